package content_test

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/internal/tcpproxy"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/redis"
)

// testRedisAddr is the Redis server the outage test runs against. It must
// be running: the test fails, never skips, without it.
const testRedisAddr = "127.0.0.1:6379"

// go-redis logs every dial the outage test makes fail.
func init() { goredis.SetLogger(quiet{}) }

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// TestAWriteCommitsWhileTheWriteBeforeIsBroadcasting holds one write's
// broadcast up and checks that another write commits meanwhile: the
// database's write lock is not held while a broadcast runs. The broadcast
// is held inside OnError, which a mailbox overflow calls from the
// broadcasting goroutine.
func TestAWriteCommitsWhileTheWriteBeforeIsBroadcasting(t *testing.T) {
	t.Parallel()
	broadcasting, release := make(chan struct{}), make(chan struct{})
	var hold, unhold sync.Once
	releaseFirst := func() { unhold.Do(func() { close(release) }) }
	defer releaseFirst()
	ps, err := pubsub.New(pubsub.Options{Logger: slog.New(slog.DiscardHandler), OnError: func(err error) {
		if errors.Is(err, pubsub.ErrOverflow) {
			hold.Do(func() {
				close(broadcasting)
				<-release
			})
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	store := openStore(t, dbPath(t), ps)
	full := pubsub.NewMailbox(1)
	full.Send(pubsub.Message{})
	if _, err := ps.SubscribeMailbox(full, content.TopicPosts); err != nil {
		t.Fatal(err)
	}

	errc := make(chan error, 2)
	go func() {
		_, err := store.CreatePost(context.Background(), "alice", "first")
		errc <- err
	}()
	<-broadcasting
	go func() {
		_, err := store.CreatePost(context.Background(), "bob", "second")
		errc <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for {
		posts, err := store.ListUserPosts(t.Context(), "bob", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(posts) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second write could not commit while the first one was broadcasting")
		}
		time.Sleep(10 * time.Millisecond)
	}
	releaseFirst()
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}

// TestPostingKeepsItsPaceWhileTheBrokerIsDown posts as fast as it can
// through a node on Redis, alternately with the node's link to Redis up
// and cut, and compares the two rates. The broadcasts of a post used to run
// inside the database's write lock and wait for Redis, and posting fell to
// a few per second. The phases alternate so that the load of a shared
// machine weighs on both alike; the test is not parallel for the same
// reason.
func TestPostingKeepsItsPaceWhileTheBrokerIsDown(t *testing.T) {
	proxy, err := tcpproxy.Start(testRedisAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	const rounds, phase = 3, 300 * time.Millisecond
	discard := slog.New(slog.DiscardHandler)
	channel := "templive-test:" + rand.Text()
	node := func(name, addr string) *pubsub.PubSub {
		// A publish timeout shorter than an outage, so that some frames
		// fail rather than wait for the link to come back.
		ps, err := pubsub.New(pubsub.Options{Node: name, Logger: discard, PublishTimeout: phase / 3, Adapter: redis.New(redis.Options{
			Addr: addr, Channel: channel, Logger: discard, MaxBackoff: 100 * time.Millisecond,
		})})
		if err != nil {
			t.Fatalf("start a node on Redis at %s (is redis-server running?): %v", testRedisAddr, err)
		}
		t.Cleanup(func() { ps.Close() })
		return ps
	}
	ps := node("a", proxy.Addr())
	store := openStore(t, dbPath(t), ps, content.WithLogger(discard))
	// A node on Redis itself tells when a's link is back up.
	watcher := subscribe(t, node("b", testRedisAddr), "probe")
	linked := func() {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			ps.Broadcast(t.Context(), "probe", "up?")
			select {
			case <-watcher.C():
				for watcher.Mailbox().Len() > 0 {
					<-watcher.C()
				}
				return
			case <-time.After(100 * time.Millisecond):
			}
		}
		t.Fatal("node a's link to Redis did not come back within 10 s")
	}

	post := func() (int, time.Duration) {
		n := 0
		start := time.Now()
		for time.Since(start) < phase {
			if _, err := store.CreatePost(t.Context(), "alice", "hello"); err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n, time.Since(start)
	}
	var up, down struct {
		n int
		d time.Duration
	}
	for range rounds {
		linked()
		n, d := post()
		up.n, up.d = up.n+n, up.d+d
		proxy.Cut()
		n, d = post()
		down.n, down.d = down.n+n, down.d+d
		if err := proxy.Restore(); err != nil {
			t.Fatal(err)
		}
	}
	normal, outage := float64(up.n)/up.d.Seconds(), float64(down.n)/down.d.Seconds()
	ratio := outage / normal
	t.Logf("posts per second: %.0f with Redis, %.0f with Redis cut off (%.0f%%)", normal, outage, 100*ratio)
	// The goal is 90 %; the bound is loose, as the machine is shared.
	if ratio < 0.5 {
		t.Fatalf("posting fell to %.0f%% of its pace while Redis was cut off", 100*ratio)
	}
	if st := ps.Stats(); st.PublishErrors+st.PublishDropped == 0 {
		t.Fatalf("stats %+v: nothing failed to reach Redis; was it cut off?", st)
	}
}
