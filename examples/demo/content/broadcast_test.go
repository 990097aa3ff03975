package content_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/pubsub"
)

func TestTopicNames(t *testing.T) {
	t.Parallel()
	if content.TopicPosts != "posts" {
		t.Errorf("TopicPosts = %q", content.TopicPosts)
	}
	if got := content.UserTopic("42"); got != "posts:42" {
		t.Errorf("UserTopic(42) = %q", got)
	}
}

// TestWritesBroadcastAfterCommitting checks each message on both topics and,
// as each one arrives, that the change it announces can already be read.
func TestWritesBroadcastAfterCommitting(t *testing.T) {
	t.Parallel()
	store, ps := newStore(t)
	ctx := t.Context()
	all := subscribe(t, ps, content.TopicPosts)
	mine := subscribe(t, ps, content.UserTopic("alice"))
	others := subscribe(t, ps, content.UserTopic("bob"))

	// expect receives one message on each of alice's topics, checks it is
	// want, and checks the database already agrees with it.
	expect := func(want any, post content.Post, stored bool) {
		t.Helper()
		for _, sub := range []*pubsub.Subscription{all, mine} {
			m := receive(t, sub)
			var got content.Post
			switch p := m.Payload.(type) {
			case content.PostCreated:
				got = p.Post
			case content.PostUpdated:
				got = p.Post
			case content.PostDeleted:
				got = p.Post
			}
			if m.Topic != sub.Topic() || !sameKind(m.Payload, want) {
				t.Fatalf("on %q: %T on %q, want %T", sub.Topic(), m.Payload, m.Topic, want)
			}
			assertPost(t, got, post)

			now, err := store.GetPost(ctx, post.ID)
			switch {
			case stored && err != nil:
				t.Fatalf("%T arrived before the post could be read: %v", want, err)
			case stored:
				assertPost(t, now, post)
			case !errors.Is(err, content.ErrNotFound):
				t.Fatalf("%T arrived while the post could still be read: %v", want, err)
			}
			assertNothing(t, sub)
		}
		assertNothing(t, others)
	}

	created, err := store.CreatePost(ctx, "alice", "hello")
	if err != nil {
		t.Fatal(err)
	}
	expect(content.PostCreated{}, created, true)

	updated, err := store.UpdatePost(ctx, "alice", created.ID, "hello again")
	if err != nil {
		t.Fatal(err)
	}
	expect(content.PostUpdated{}, updated, true)

	deleted, err := store.DeletePost(ctx, "alice", created.ID)
	if err != nil {
		t.Fatal(err)
	}
	expect(content.PostDeleted{}, updated, false)
	assertPost(t, deleted, updated)
}

func sameKind(a, b any) bool {
	switch a.(type) {
	case content.PostCreated:
		_, ok := b.(content.PostCreated)
		return ok
	case content.PostUpdated:
		_, ok := b.(content.PostUpdated)
		return ok
	case content.PostDeleted:
		_, ok := b.(content.PostDeleted)
		return ok
	}
	return false
}

func TestFailedWritesBroadcastNothing(t *testing.T) {
	t.Parallel()
	// refuse makes the database itself fail the next write of kind op.
	refuse := func(op string) func(t *testing.T, path string, store *content.Store) {
		return func(t *testing.T, path string, _ *content.Store) {
			exec(t, rawDB(t, path), `CREATE TRIGGER refuse BEFORE `+op+` ON posts BEGIN SELECT RAISE(ABORT, 'refused'); END`)
		}
	}
	closeStore := func(t *testing.T, _ string, store *content.Store) {
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cancelled := func() context.Context {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx
	}

	tests := []struct {
		name  string
		setup func(t *testing.T, path string, store *content.Store)
		ctx   func() context.Context
		write func(ctx context.Context, s *content.Store, id int64) error
		want  error // nil: any error
	}{
		{name: "creating an invalid post", want: content.ErrInvalid,
			write: func(ctx context.Context, s *content.Store, _ int64) error {
				_, err := s.CreatePost(ctx, "alice", "   ")
				return err
			}},
		{name: "editing with an invalid body", want: content.ErrInvalid,
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.UpdatePost(ctx, "alice", id, "")
				return err
			}},
		{name: "editing someone else's post", want: content.ErrForbidden,
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.UpdatePost(ctx, "bob", id, "mine now")
				return err
			}},
		{name: "deleting someone else's post", want: content.ErrForbidden,
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.DeletePost(ctx, "bob", id)
				return err
			}},
		{name: "editing a missing post", want: content.ErrNotFound,
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.UpdatePost(ctx, "alice", id+1, "hello")
				return err
			}},
		{name: "deleting a missing post", want: content.ErrNotFound,
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.DeletePost(ctx, "alice", id+1)
				return err
			}},
		{name: "creating with a cancelled context", ctx: cancelled, want: context.Canceled,
			write: func(ctx context.Context, s *content.Store, _ int64) error {
				_, err := s.CreatePost(ctx, "alice", "too late")
				return err
			}},
		{name: "deleting with a cancelled context", ctx: cancelled, want: context.Canceled,
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.DeletePost(ctx, "alice", id)
				return err
			}},
		{name: "creating when the database refuses the insert", setup: refuse("INSERT"),
			write: func(ctx context.Context, s *content.Store, _ int64) error {
				_, err := s.CreatePost(ctx, "alice", "refused")
				return err
			}},
		{name: "editing when the database refuses the update", setup: refuse("UPDATE"),
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.UpdatePost(ctx, "alice", id, "refused")
				return err
			}},
		{name: "deleting when the database refuses the delete", setup: refuse("DELETE"),
			write: func(ctx context.Context, s *content.Store, id int64) error {
				_, err := s.DeletePost(ctx, "alice", id)
				return err
			}},
		{name: "writing to a closed store", setup: closeStore, want: content.ErrClosed,
			write: func(ctx context.Context, s *content.Store, _ int64) error {
				_, err := s.CreatePost(ctx, "alice", "closed")
				return err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps := newPubSub(t)
			path := dbPath(t)
			store := openStore(t, path, ps)
			post, err := store.CreatePost(t.Context(), "alice", "original")
			if err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, path, store)
			}
			subs := []*pubsub.Subscription{
				subscribe(t, ps, content.TopicPosts),
				subscribe(t, ps, content.UserTopic("alice")),
				subscribe(t, ps, content.UserTopic("bob")),
			}
			ctx := t.Context()
			if tt.ctx != nil {
				ctx = tt.ctx()
			}

			err = tt.write(ctx, store, post.ID)
			if err == nil {
				t.Fatal("the write succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("error %v, want %v", err, tt.want)
			}
			for _, sub := range subs {
				assertNothing(t, sub)
			}
		})
	}
}

// TestAFailedBroadcastDoesNotFailTheWrite: once committed, the write stands;
// the broadcast's failure is logged.
func TestAFailedBroadcastDoesNotFailTheWrite(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var log lockedBuffer
	store := openStore(t, dbPath(t), ps, content.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err := ps.Close(); err != nil {
		t.Fatal(err)
	}

	post, err := store.CreatePost(t.Context(), "alice", "nobody hears this")
	if err != nil {
		t.Fatalf("CreatePost: %v", err)
	}
	if _, err := store.GetPost(t.Context(), post.ID); err != nil {
		t.Fatalf("the post was not stored: %v", err)
	}
	got := log.String()
	for _, want := range []string{"broadcast after commit failed", `topic=posts `, `topic=posts:alice `, pubsub.ErrClosed.Error()} {
		if !strings.Contains(got, want) {
			t.Errorf("log lacks %q:\n%s", want, got)
		}
	}
}

// TestMessagesCrossNodes checks that Open registered the message types: a
// view on another node receives the same Go type.
func TestMessagesCrossNodes(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	node := func(name string) *pubsub.PubSub {
		ps, err := pubsub.New(pubsub.Options{Node: name, Adapter: cluster.Adapter(name)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ps.Close() })
		return ps
	}
	a, b := node("a"), node("b")
	store := openStore(t, dbPath(t), a)
	// Node b registers the types as its own Store would.
	openStore(t, content.MemoryPath, b)
	all := subscribe(t, b, content.TopicPosts)
	mine := subscribe(t, b, content.UserTopic("alice"))

	created, err := store.CreatePost(t.Context(), "alice", "from node a")
	if err != nil {
		t.Fatal(err)
	}
	updated, err := store.UpdatePost(t.Context(), "alice", created.ID, "still from node a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.DeletePost(t.Context(), "alice", created.ID); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []*pubsub.Subscription{all, mine} {
		if p, ok := receive(t, sub).Payload.(content.PostCreated); !ok {
			t.Fatalf("on %q: first message %T, want PostCreated", sub.Topic(), p)
		} else {
			assertPost(t, p.Post, created)
		}
		if p, ok := receive(t, sub).Payload.(content.PostUpdated); !ok {
			t.Fatalf("on %q: second message %T, want PostUpdated", sub.Topic(), p)
		} else {
			assertPost(t, p.Post, updated)
		}
		if p, ok := receive(t, sub).Payload.(content.PostDeleted); !ok {
			t.Fatalf("on %q: third message %T, want PostDeleted", sub.Topic(), p)
		} else {
			assertPost(t, p.Post, updated)
		}
	}
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
