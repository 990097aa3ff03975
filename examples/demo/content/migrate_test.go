package content_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/templive/templive/examples/demo/content"
)

// wantMigrations is the schema's history as every database must record it.
var wantMigrations = []string{"create posts", "index posts by author", "add a photo to posts"}

// recordedMigrations returns the names recorded in schema_migrations, by
// version, reading the file directly.
func recordedMigrations(t *testing.T, path string) []string {
	t.Helper()
	rows, err := rawDB(t, path).QueryContext(t.Context(), `SELECT version, name FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var version int
		var name string
		if err := rows.Scan(&version, &name); err != nil {
			t.Fatal(err)
		}
		if version != len(names)+1 {
			t.Fatalf("version %d recorded after %d others", version, len(names))
		}
		names = append(names, name)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

func TestOpeningTwiceMigratesOnce(t *testing.T) {
	t.Parallel()
	ps := newPubSub(t)
	path := dbPath(t)
	for range 3 {
		store, err := content.Open(t.Context(), path, ps)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := store.CreatePost(t.Context(), "alice", "one more"); err != nil {
			t.Fatal(err)
		}
		if err := store.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if got := recordedMigrations(t, path); !slices.Equal(got, wantMigrations) {
		t.Fatalf("recorded %q, want %q", got, wantMigrations)
	}
	store := openStore(t, path, ps)
	posts, err := store.ListRecentPosts(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 3 {
		t.Fatalf("%d posts, want 3", len(posts))
	}
}

func TestOpeningConcurrentlyMigratesOnce(t *testing.T) {
	t.Parallel()
	ps := newPubSub(t)
	path := dbPath(t)
	// The directory exists, so that the stores race on the file itself.
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	stores := make([]*content.Store, len(errs))
	for i := range errs {
		wg.Go(func() { stores[i], errs[i] = content.Open(t.Context(), path, ps) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open %d: %v", i, err)
			continue
		}
		if err := stores[i].Close(); err != nil {
			t.Errorf("Close %d: %v", i, err)
		}
	}
	if got := recordedMigrations(t, path); !slices.Equal(got, wantMigrations) {
		t.Fatalf("recorded %q, want %q", got, wantMigrations)
	}
}

func TestOpeningAnOlderDatabaseMigratesItAndKeepsItsPosts(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "old.db")
	// The database as the first build left it: version 1 only.
	old := rawDB(t, path)
	exec(t, old, `CREATE TABLE schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL
	)`)
	exec(t, old, `CREATE TABLE posts (
		id          INTEGER PRIMARY KEY AUTOINCREMENT,
		user_id     TEXT NOT NULL CHECK (user_id <> ''),
		body        TEXT NOT NULL CHECK (body <> ''),
		inserted_at TEXT NOT NULL,
		updated_at  TEXT NOT NULL
	)`)
	exec(t, old, `INSERT INTO schema_migrations VALUES (1, 'create posts', '2025-01-01T00:00:00.000000000Z')`)
	exec(t, old, `INSERT INTO posts (user_id, body, inserted_at, updated_at)
		VALUES ('alice', 'from the old days', '2025-01-01T00:00:00.000000000Z', '2025-01-02T00:00:00.000000000Z')`)
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}

	store := openStore(t, path, newPubSub(t))
	if got := recordedMigrations(t, path); !slices.Equal(got, wantMigrations) {
		t.Fatalf("recorded %q, want %q", got, wantMigrations)
	}
	var indexes int
	if err := rawDB(t, path).QueryRowContext(t.Context(),
		`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'posts_user_id_id'`).Scan(&indexes); err != nil {
		t.Fatal(err)
	}
	if indexes != 1 {
		t.Fatalf("index of migration 2: %d, want 1", indexes)
	}
	posts, err := store.ListUserPosts(t.Context(), "alice", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != 1 || posts[0].Body != "from the old days" || posts[0].UpdatedAt.Day() != 2 {
		t.Fatalf("old posts: %+v", posts)
	}
}

func TestOpeningANewerDatabaseFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		record string
	}{
		{"a version this build does not know is refused", `INSERT INTO schema_migrations VALUES (99, 'from the future', '')`},
		{"a known version under another name is refused", `UPDATE schema_migrations SET name = 'something else' WHERE version = 2`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ps := newPubSub(t)
			path := dbPath(t)
			store, err := content.Open(t.Context(), path, ps)
			if err != nil {
				t.Fatal(err)
			}
			if err := store.Close(); err != nil {
				t.Fatal(err)
			}
			exec(t, rawDB(t, path), tt.record)

			store, err = content.Open(t.Context(), path, ps)
			if err == nil {
				store.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, content.ErrNewerSchema) {
				t.Fatalf("error %v, want ErrNewerSchema", err)
			}
		})
	}
}
