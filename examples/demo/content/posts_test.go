package content_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/templive/templive/examples/demo/content"
)

func TestCreatePostStoresATrimmedPost(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	ctx := t.Context()

	post, err := store.CreatePost(ctx, "alice", "  Hello, world!\n")
	if err != nil {
		t.Fatal(err)
	}
	if post.ID == 0 || post.UserID != "alice" || post.Body != "Hello, world!" {
		t.Fatalf("created %+v", post)
	}
	if post.InsertedAt.IsZero() || !post.UpdatedAt.Equal(post.InsertedAt) {
		t.Fatalf("times of a new post: inserted %v, updated %v", post.InsertedAt, post.UpdatedAt)
	}
	got, err := store.GetPost(ctx, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertPost(t, got, post)
}

func TestUpdatePostChangesBodyAndUpdatedAt(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	ctx := t.Context()
	post, err := store.CreatePost(ctx, "alice", "first")
	if err != nil {
		t.Fatal(err)
	}

	updated, err := store.UpdatePost(ctx, "alice", post.ID, " second ")
	if err != nil {
		t.Fatal(err)
	}
	want := post
	want.Body = "second"
	want.UpdatedAt = updated.UpdatedAt
	assertPost(t, updated, want)
	if !updated.UpdatedAt.After(post.InsertedAt) {
		t.Fatalf("UpdatedAt %v not after InsertedAt %v", updated.UpdatedAt, post.InsertedAt)
	}
	got, err := store.GetPost(ctx, post.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertPost(t, got, updated)
}

func TestDeletePostRemovesIt(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	ctx := t.Context()
	post, err := store.CreatePost(ctx, "alice", "short-lived")
	if err != nil {
		t.Fatal(err)
	}

	deleted, err := store.DeletePost(ctx, "alice", post.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertPost(t, deleted, post)
	if _, err := store.GetPost(ctx, post.ID); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("GetPost after delete: %v, want ErrNotFound", err)
	}
	if _, err := store.DeletePost(ctx, "alice", post.ID); !errors.Is(err, content.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
}

func TestOnlyTheAuthorMayChangeAPost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		op   func(s *content.Store, id int64) error
		want error
	}{
		{"another user cannot edit a post", func(s *content.Store, id int64) error {
			_, err := s.UpdatePost(t.Context(), "mallory", id, "pwned")
			return err
		}, content.ErrForbidden},
		{"another user cannot delete a post", func(s *content.Store, id int64) error {
			_, err := s.DeletePost(t.Context(), "mallory", id)
			return err
		}, content.ErrForbidden},
		{"editing a missing post is not found", func(s *content.Store, id int64) error {
			_, err := s.UpdatePost(t.Context(), "alice", id+1000, "hello")
			return err
		}, content.ErrNotFound},
		{"deleting a missing post is not found", func(s *content.Store, id int64) error {
			_, err := s.DeletePost(t.Context(), "alice", id+1000)
			return err
		}, content.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore(t)
			post, err := store.CreatePost(t.Context(), "alice", "mine")
			if err != nil {
				t.Fatal(err)
			}
			err = tt.op(store, post.ID)
			if !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			got, err := store.GetPost(t.Context(), post.ID)
			if err != nil {
				t.Fatalf("the post is gone: %v", err)
			}
			assertPost(t, got, post)
		})
	}
}

func TestGetPostOfAMissingIDIsNotFound(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	for _, id := range []int64{0, -1, 42} {
		if _, err := store.GetPost(t.Context(), id); !errors.Is(err, content.ErrNotFound) {
			t.Errorf("GetPost(%d): %v, want ErrNotFound", id, err)
		}
	}
}

func TestListRecentPostsIsNewestFirst(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	ctx := t.Context()

	empty, err := store.ListRecentPosts(ctx, 10)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("empty database: %v, %v; want an empty slice", empty, err)
	}
	var created []content.Post
	for i, user := range []string{"alice", "bob", "alice", "carol", "bob"} {
		post, err := store.CreatePost(ctx, user, string(rune('a'+i)))
		if err != nil {
			t.Fatal(err)
		}
		created = append(created, post)
	}
	if _, err := store.DeletePost(ctx, "carol", created[3].ID); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name  string
		limit int
		want  []int // indexes into created
	}{
		{"a limit below the count returns the newest", 2, []int{4, 2}},
		{"a limit above the count returns every post", 10, []int{4, 2, 1, 0}},
		{"a limit of one returns the newest post", 1, []int{4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := store.ListRecentPosts(ctx, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d posts, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, j := range tt.want {
				assertPost(t, got[i], created[j])
			}
		})
	}
}

func TestListUserPostsListsOnlyThatUser(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	ctx := t.Context()
	var alices []content.Post
	for _, user := range []string{"alice", "bob", "alice", "bob", "alice"} {
		post, err := store.CreatePost(ctx, user, "post by "+user)
		if err != nil {
			t.Fatal(err)
		}
		if user == "alice" {
			alices = append(alices, post)
		}
	}
	got, err := store.ListUserPosts(ctx, "alice", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d posts, want 2", len(got))
	}
	assertPost(t, got[0], alices[2])
	assertPost(t, got[1], alices[1])
}

func TestListingWithANonPositiveLimitFails(t *testing.T) {
	t.Parallel()
	store, _ := newStore(t)
	for _, limit := range []int{0, -1} {
		if _, err := store.ListRecentPosts(t.Context(), limit); err == nil {
			t.Errorf("ListRecentPosts(%d) succeeded", limit)
		}
		if _, err := store.ListUserPosts(t.Context(), "alice", limit); err == nil {
			t.Errorf("ListUserPosts(%d) succeeded", limit)
		}
	}
}

func TestPostsSurviveReopening(t *testing.T) {
	t.Parallel()
	ps := newPubSub(t)
	path := dbPath(t)
	first, err := content.Open(t.Context(), path, ps)
	if err != nil {
		t.Fatal(err)
	}
	post, err := first.CreatePost(t.Context(), "alice", "still here")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}

	second := openStore(t, path, ps)
	got, err := second.GetPost(t.Context(), post.ID)
	if err != nil {
		t.Fatal(err)
	}
	assertPost(t, got, post)
}

func TestOpenCreatesTheDatabaseAndItsDirectory(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a", "b", "posts.db")
	openStore(t, path, newPubSub(t))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestMemoryPathKeepsOneDatabase(t *testing.T) {
	t.Parallel()
	store := openStore(t, content.MemoryPath, newPubSub(t))
	ctx := t.Context()
	// Many round trips: with one database per pooled connection, some
	// would miss the table or the posts.
	for i := range 20 {
		if _, err := store.CreatePost(ctx, "alice", "in memory"); err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	posts, err := store.ListRecentPosts(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 20 {
		t.Fatalf("%d posts, want 20", len(posts))
	}
}

func TestOpenRefusesBadArguments(t *testing.T) {
	t.Parallel()
	ps := newPubSub(t)
	tests := []struct {
		name string
		path string
		ps   bool
		opts []content.Option
	}{
		{"a nil PubSub is refused", "x.db", false, nil},
		{"an empty path is refused", "", true, nil},
		{"a nil clock is refused", "x.db", true, []content.Option{content.WithClock(nil)}},
		{"a nil logger is refused", "x.db", true, []content.Option{content.WithLogger(nil)}},
		{"a negative busy timeout is refused", "x.db", true, []content.Option{content.WithBusyTimeout(-time.Second)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := tt.path
			if path != "" {
				path = filepath.Join(t.TempDir(), path)
			}
			p := ps
			if !tt.ps {
				p = nil
			}
			store, err := content.Open(t.Context(), path, p, tt.opts...)
			if err == nil {
				store.Close()
				t.Fatal("Open succeeded")
			}
		})
	}
}

func TestCloseIsIdempotentAndEndsOperations(t *testing.T) {
	t.Parallel()
	ps := newPubSub(t)
	store, err := content.Open(t.Context(), dbPath(t), ps)
	if err != nil {
		t.Fatal(err)
	}
	post, err := store.CreatePost(t.Context(), "alice", "before close")
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := store.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	ctx := t.Context()
	ops := map[string]func() error{
		"CreatePost": func() error { _, err := store.CreatePost(ctx, "alice", "x"); return err },
		"UpdatePost": func() error { _, err := store.UpdatePost(ctx, "alice", post.ID, "x"); return err },
		"DeletePost": func() error { _, err := store.DeletePost(ctx, "alice", post.ID); return err },
		"GetPost":    func() error { _, err := store.GetPost(ctx, post.ID); return err },
		"ListRecent": func() error { _, err := store.ListRecentPosts(ctx, 1); return err },
		"ListUser":   func() error { _, err := store.ListUserPosts(ctx, "alice", 1); return err },
	}
	for name, op := range ops {
		if err := op(); !errors.Is(err, content.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

func TestOpenTakesPathsWithURICharactersLiterally(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "a?b#c %d&e", "posts.db")
	ps := newPubSub(t)
	store := openStore(t, path, ps)
	post, err := store.CreatePost(t.Context(), "alice", "odd path")
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file: %v", err)
	}
	again := openStore(t, path, ps)
	if _, err := again.GetPost(t.Context(), post.ID); err != nil {
		t.Fatalf("reopened: %v", err)
	}
}

func TestDatabaseFilesUseWAL(t *testing.T) {
	t.Parallel()
	path := dbPath(t)
	openStore(t, path, newPubSub(t))
	var mode string
	if err := rawDB(t, path).QueryRowContext(t.Context(), `PRAGMA journal_mode`).Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "wal" {
		t.Fatalf("journal_mode = %q, want wal", mode)
	}
}
