package redis_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/templive/templive/pubsub/internal/adaptertest"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"github.com/templive/templive/internal/tcpproxy"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/pubsubtest"
	"github.com/templive/templive/pubsub/redis"
)

// The tests need the shared Redis server; they fail, with this hint, when it
// is not there.
const addr = redis.DefaultAddr

func TestMain(m *testing.M) {
	// go-redis logs every failed dial of the outage test to stderr.
	goredis.SetLogger(quiet{})
	goleak.VerifyTestMain(m)
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

var discard = slog.New(slog.DiscardHandler)

// uniqueChannel keeps parallel tests, and parallel runs, apart.
func uniqueChannel() string { return "templive-test:" + rand.Text() }

func newNode(t *testing.T, opts pubsub.Options, ro redis.Options) *pubsub.PubSub {
	t.Helper()
	if ro.Logger == nil {
		ro.Logger = discard
	}
	opts.Adapter = redis.New(ro)
	ps, err := pubsub.New(opts)
	if err != nil {
		t.Fatalf("start a node on Redis at %s (is redis-server running?): %v", ro.Addr, err)
	}
	t.Cleanup(func() {
		if err := ps.Close(); err != nil {
			t.Errorf("close %s: %v", ps.Node(), err)
		}
	})
	return ps
}

func TestConformance(t *testing.T) {
	t.Parallel()
	pubsubtest.Run(t, func(t *testing.T, opts pubsub.Options) []*pubsub.PubSub {
		channel := uniqueChannel()
		var nodes []*pubsub.PubSub
		for i := range 3 {
			o := opts
			o.Node = fmt.Sprintf("node-%d", i)
			nodes = append(nodes, newNode(t, o, redis.Options{Addr: addr, Channel: channel}))
		}
		return nodes
	})
}

func TestStartFailsWithoutServer(t *testing.T) {
	t.Parallel()
	_, err := pubsub.New(pubsub.Options{Adapter: redis.New(redis.Options{
		Addr: "127.0.0.1:1", StartTimeout: time.Second, Logger: discard,
	})})
	if err == nil {
		t.Fatal("New succeeded with no Redis server behind the address")
	}
}

// TestOutage cuts the nodes' connections to Redis with a proxy: broadcasts
// still return at once and reach local subscribers, and what cannot be
// published is counted and reported. Once the connection is restored, both
// nodes hear each other again.
func TestOutage(t *testing.T) {
	t.Parallel()
	proxy, err := tcpproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()

	var mu sync.Mutex
	var publishErrs []error
	onError := func(err error) {
		if errors.Is(err, pubsub.ErrPublish) {
			mu.Lock()
			publishErrs = append(publishErrs, err)
			mu.Unlock()
		}
	}
	ro := redis.Options{Addr: proxy.Addr(), Channel: uniqueChannel(), MaxBackoff: 200 * time.Millisecond}
	a := newNode(t, pubsub.Options{Node: "a", Logger: discard, OnError: onError}, ro)
	b := newNode(t, pubsub.Options{Node: "b", Logger: discard}, ro)
	subA, _ := a.Subscribe("t")
	subB, _ := b.Subscribe("t")

	if err := a.Broadcast(t.Context(), "t", "before"); err != nil {
		t.Fatal(err)
	}
	adaptertest.Expect(t, subA, "before")
	adaptertest.Expect(t, subB, "before")

	proxy.Cut()
	for i := range 3 {
		msg := fmt.Sprintf("during %d", i)
		start := time.Now()
		if err := a.Broadcast(t.Context(), "t", msg); err != nil {
			t.Fatalf("Broadcast during the outage: %v; a failure to reach other nodes is reported, not returned", err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Broadcast during the outage took %v", d)
		}
		adaptertest.Expect(t, subA, msg) // local subscribers are still served
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(publishErrs)
		mu.Unlock()
		if n > 0 && a.Stats().PublishErrors > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s, OnError got %d publish errors and the stats say %+v", n, a.Stats())
		}
		time.Sleep(20 * time.Millisecond)
	}

	if err := proxy.Restore(); err != nil {
		t.Fatal(err)
	}
	adaptertest.WaitReconnected(t, a, subA, subB)
	adaptertest.WaitReconnected(t, b, subB, subA)
}

// TestABroadcastDoesNotWaitForAHalfOpenConnection blackholes node a's
// connections to Redis — nothing answers and nothing is closed, so a
// publish on them hangs until it times out — and checks that broadcasts
// return at once all the same, and reach the local subscribers.
func TestABroadcastDoesNotWaitForAHalfOpenConnection(t *testing.T) {
	t.Parallel()
	proxy, err := tcpproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	channel := uniqueChannel()
	a := newNode(t, pubsub.Options{Node: "a", Logger: discard}, redis.Options{Addr: proxy.Addr(), Channel: channel})
	b := newNode(t, pubsub.Options{Node: "b", Logger: discard}, redis.Options{Addr: addr, Channel: channel})
	subA, _ := a.Subscribe("t")
	subB, _ := b.Subscribe("t")
	// "before" reaching b shows a's publishing connection is open.
	if err := a.Broadcast(t.Context(), "t", "before"); err != nil {
		t.Fatal(err)
	}
	adaptertest.Expect(t, subA, "before")
	adaptertest.Expect(t, subB, "before")

	proxy.Blackhole()
	for i := range 5 {
		msg := fmt.Sprintf("during %d", i)
		start := time.Now()
		if err := a.Broadcast(t.Context(), "t", msg); err != nil {
			t.Fatal(err)
		}
		// A publish on the dead connection hangs for seconds.
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Broadcast %d waited %v for a connection that does not answer", i, d)
		}
		adaptertest.Expect(t, subA, msg)
	}
}

// BenchmarkRemoteDelivery measures one broadcast from node a reaching a
// subscriber on node b through the server, one message at a time: the
// latency of a round trip through redis, encoding and decoding included.
func BenchmarkRemoteDelivery(b *testing.B) {
	no := redis.Options{Addr: addr, Channel: uniqueChannel()}
	nodes := make([]*pubsub.PubSub, 2)
	for i := range nodes {
		no := no
		no.Logger = discard
		ps, err := pubsub.New(pubsub.Options{Node: fmt.Sprint(i), Logger: discard, Adapter: redis.New(no)})
		if err != nil {
			b.Fatal(err)
		}
		defer ps.Close()
		nodes[i] = ps
	}
	sub, _ := nodes[1].Subscribe("t")
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := nodes[0].Broadcast(ctx, "t", "hello"); err != nil {
			b.Fatal(err)
		}
		<-sub.C()
	}
}

// TestHalfOpenConnection blackholes the subscriber's connection to Redis —
// nothing is closed, nothing answers, as after a dead NAT entry — and
// checks that the adapter notices through its health check and subscribes
// again on a new connection.
func TestHalfOpenConnection(t *testing.T) {
	t.Parallel()
	proxy, err := tcpproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	channel := uniqueChannel()
	a := newNode(t, pubsub.Options{Node: "a", Logger: discard},
		redis.Options{Addr: proxy.Addr(), Channel: channel, HealthCheck: 100 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	b := newNode(t, pubsub.Options{Node: "b", Logger: discard}, redis.Options{Addr: addr, Channel: channel})
	subA, _ := a.Subscribe("t")
	subB, _ := b.Subscribe("t")
	if err := b.Broadcast(t.Context(), "t", "before"); err != nil {
		t.Fatal(err)
	}
	adaptertest.Expect(t, subA, "before")

	proxy.Blackhole()
	adaptertest.WaitReconnected(t, b, subB, subA)
}

// TestHalfOpenConnectionIsNoticedWithinSecondsByDefault blackholes the
// subscriber's connection of an adapter with the default options: node a
// hears node b again within a few seconds, not the half a minute the
// review measured.
func TestHalfOpenConnectionIsNoticedWithinSecondsByDefault(t *testing.T) {
	t.Parallel()
	proxy, err := tcpproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	channel := uniqueChannel()
	a := newNode(t, pubsub.Options{Node: "a", Logger: discard}, redis.Options{Addr: proxy.Addr(), Channel: channel})
	b := newNode(t, pubsub.Options{Node: "b", Logger: discard}, redis.Options{Addr: addr, Channel: channel})
	subA, _ := a.Subscribe("t")
	subB, _ := b.Subscribe("t")
	if err := b.Broadcast(t.Context(), "t", "before"); err != nil {
		t.Fatal(err)
	}
	adaptertest.Expect(t, subA, "before")

	start := time.Now()
	proxy.Blackhole()
	adaptertest.WaitReconnected(t, b, subB, subA)
	// Silence for HealthCheck, a ping unanswered for as long again, then
	// a new connection: a bound with room for a loaded machine.
	took := time.Since(start)
	if bound := 2*redis.DefaultHealthCheck + 3*time.Second; took > bound {
		t.Fatalf("the half-open connection was replaced after %v; want within %v", took, bound)
	}
	t.Logf("half-open connection replaced after %v", took.Round(10*time.Millisecond))
}
