package content_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/pubsub"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// newPubSub returns a single-node PubSub closed when the test ends.
func newPubSub(t *testing.T) *pubsub.PubSub {
	t.Helper()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	return ps
}

// dbPath returns the path of a database file, in a directory that does not
// exist yet, in the test's temporary directory.
func dbPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data", "content.db")
}

// openStore opens the database at path with a fake clock, and closes it when
// the test ends.
func openStore(t *testing.T, path string, ps *pubsub.PubSub, opts ...content.Option) *content.Store {
	t.Helper()
	opts = append([]content.Option{content.WithClock(newClock().Now)}, opts...)
	store, err := content.Open(t.Context(), path, ps, opts...)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := store.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return store
}

// newStore opens a Store on a fresh database file and a fresh PubSub.
func newStore(t *testing.T) (*content.Store, *pubsub.PubSub) {
	t.Helper()
	ps := newPubSub(t)
	return openStore(t, dbPath(t), ps), ps
}

// clock is a fake clock that moves one second forward each time it is read.
type clock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func newClock() *clock {
	return &clock{now: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// subscribe subscribes to topic until the test ends.
func subscribe(t *testing.T, ps *pubsub.PubSub, topic string) *pubsub.Subscription {
	t.Helper()
	sub, err := ps.Subscribe(topic)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

// receive returns the next message of sub. Local deliveries are already
// queued when the write returns; the wait only matters across nodes, and
// only bounds a failing test.
func receive(t *testing.T, sub *pubsub.Subscription) pubsub.Message {
	t.Helper()
	select {
	case m := <-sub.C():
		return m
	case <-time.After(10 * time.Second):
		t.Fatalf("no message on %q", sub.Topic())
		return pubsub.Message{}
	}
}

// assertNothing fails if sub has, or soon receives, a message. Local
// broadcasts are delivered before the write returns, so the queue must
// already be empty; the short wait is a second look, not a timing assumption.
func assertNothing(t *testing.T, sub *pubsub.Subscription) {
	t.Helper()
	if n := sub.Mailbox().Len(); n != 0 {
		t.Fatalf("%d unexpected messages on %q, first %#v", n, sub.Topic(), (<-sub.C()).Payload)
	}
	select {
	case m := <-sub.C():
		t.Fatalf("unexpected message on %q: %#v", sub.Topic(), m.Payload)
	case <-time.After(20 * time.Millisecond):
	}
}

// samePost reports whether a and b are equal, comparing times as instants.
func samePost(a, b content.Post) bool {
	return a.ID == b.ID && a.UserID == b.UserID && a.Body == b.Body &&
		a.InsertedAt.Equal(b.InsertedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}

func assertPost(t *testing.T, got, want content.Post) {
	t.Helper()
	if !samePost(got, want) {
		t.Fatalf("post = %+v, want %+v", got, want)
	}
}

// rawDB opens the database file at path directly, as another program would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func exec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
