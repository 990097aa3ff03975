package content_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/pubsub"
)

// TestConcurrentCreates creates posts from several goroutines at once: every
// one is stored once, announced once, and the announcements come in the
// order of the IDs, which is the order of the commits.
func TestConcurrentCreates(t *testing.T) {
	t.Parallel()
	const writers, each = 8, 10
	ps, err := pubsub.New(pubsub.Options{MailboxSize: writers * each})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	store := openStore(t, dbPath(t), ps)
	all := subscribe(t, ps, content.TopicPosts)

	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			user := fmt.Sprintf("user%d", w)
			for i := range each {
				if _, err := store.CreatePost(t.Context(), user, fmt.Sprintf("post %d", i)); err != nil {
					errs <- err
				}
				// Readers run alongside the writers.
				if _, err := store.ListRecentPosts(t.Context(), 5); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	posts, err := store.ListRecentPosts(t.Context(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(posts) != writers*each {
		t.Fatalf("%d posts stored, want %d", len(posts), writers*each)
	}
	var last int64
	for i := range writers * each {
		m := receive(t, all)
		p, ok := m.Payload.(content.PostCreated)
		if !ok {
			t.Fatalf("message %d is %T", i, m.Payload)
		}
		if p.Post.ID <= last {
			t.Fatalf("post %d announced after post %d", p.Post.ID, last)
		}
		last = p.Post.ID
	}
	assertNothing(t, all)
}
