package presence_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/nats"
	"github.com/templive/templive/pubsub/redis"
)

// The brokers BenchmarkClusterJoin runs against. They must be running: the
// benchmark fails, never skips, without them.
const (
	brokerRedisAddr = "127.0.0.1:6379"
	brokerNATSURL   = "nats://127.0.0.1:4222"
)

// brokerMeta is the meta of the cross-node benchmark, a room's.
type brokerMeta struct {
	OnlineAt string `json:"online_at"`
}

// BenchmarkClusterJoin measures how long a join tracked on one of three
// nodes takes to be listed on the other two, over a real Redis and a real
// NATS on loopback: from Track returning to the Diff carrying the join
// being delivered to a subscriber on the slower of the two other nodes.
// Each iteration is one join, on the nodes in turn, the joins spread over
// at least three broadcast periods so that they fall at every phase of
// the period, as real ones do; the benchmark reports the p50, p99 and maximum
// of those latencies (ns/op means nothing here), and the bytes the three
// nodes published for replication per join, envelopes included.
//
//	go test -run '^$' -bench ClusterJoin -benchtime 300x ./presence
//
// A join waits for the next broadcast of its node's delta, so its latency
// is the transport's plus a uniform share of Options.BroadcastPeriod: both
// the Phoenix default (1.5 s) and a short period are measured.
func BenchmarkClusterJoin(b *testing.B) {
	brokers := []struct {
		name    string
		addr    string
		adapter func(channel string) pubsub.Adapter
	}{
		{"redis", brokerRedisAddr, func(channel string) pubsub.Adapter {
			return redis.New(redis.Options{Addr: brokerRedisAddr, Channel: channel, Logger: discard()})
		}},
		{"nats", "127.0.0.1:4222", func(channel string) pubsub.Adapter {
			return nats.New(nats.Options{URL: brokerNATSURL, Subject: channel, Logger: discard()})
		}},
	}
	for _, br := range brokers {
		for _, period := range []time.Duration{50 * time.Millisecond, presence.DefaultBroadcastPeriod} {
			b.Run(fmt.Sprintf("%s/period=%v", br.name, period), func(b *testing.B) {
				conn, err := net.DialTimeout("tcp", br.addr, 2*time.Second)
				if err != nil {
					b.Fatalf("no %s server at %s: %v", br.name, br.addr, err)
				}
				conn.Close()
				benchmarkClusterJoin(b, br.adapter, period)
			})
		}
	}
}

// brokerNode is one node of the benchmark's cluster: a PubSub on the real
// broker, a Tracker, and what its subscriber saw.
type brokerNode struct {
	ps      *pubsub.PubSub
	tracker *presence.Tracker[brokerMeta]
	sub     *pubsub.Subscription
	counter *countingAdapter

	index int           // tracks the keys u<k> with k%3 == index
	stop  chan struct{} // closed to end read

	mu   sync.Mutex // guards seen, want
	seen map[string]time.Time
	want int           // joins of the other nodes still to see
	all  chan struct{} // closed once want reaches 0
}

func benchmarkClusterJoin(b *testing.B, newAdapter func(channel string) pubsub.Adapter, period time.Duration) {
	const topic = "room:bench"
	channel := "templive-bench-" + rand.Text()[:12]
	opts := presence.Options[brokerMeta]{Logger: discard(), BroadcastPeriod: period}
	if period*presence.DefaultMaxSilentPeriods >= presence.DefaultDownPeriod {
		opts.DownPeriod = 2 * period * presence.DefaultMaxSilentPeriods
	}

	nodes := make([]*brokerNode, 3)
	for i := range nodes {
		counter := &countingAdapter{Adapter: newAdapter(channel)}
		ps, err := pubsub.New(pubsub.Options{Node: "bench-" + strconv.Itoa(i), Adapter: counter, Logger: discard()})
		if err != nil {
			b.Fatal(err)
		}
		tr, err := presence.New(ps, opts)
		if err != nil {
			ps.Close()
			b.Fatal(err)
		}
		// Diffs come one per heartbeat and topic; the mailbox holds them
		// all even if the reader falls behind.
		sub, err := ps.SubscribeMailbox(pubsub.NewMailbox(4*b.N+64), topic)
		if err != nil {
			b.Fatal(err)
		}
		n := &brokerNode{ps: ps, tracker: tr, sub: sub, counter: counter, index: i, stop: make(chan struct{}),
			seen: make(map[string]time.Time), all: make(chan struct{}), want: b.N - b.N/3}
		if i < b.N%3 {
			n.want-- // node i tracks keys i, i+3, …
		}
		if n.want == 0 {
			close(n.all)
		}
		nodes[i] = n
	}
	var wg sync.WaitGroup
	defer func() {
		for _, n := range nodes {
			close(n.stop)
		}
		wg.Wait()
		for _, n := range nodes {
			n.sub.Close()
			n.tracker.Close()
			n.ps.Close()
		}
	}()
	for _, n := range nodes {
		wg.Go(n.read)
	}

	// Wait until the nodes know each other: each lists the others' warm-up
	// entries.
	owner, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i, n := range nodes {
		if _, err := n.tracker.Track(owner, "warmup", strconv.Itoa(i), brokerMeta{}); err != nil {
			b.Fatal(err)
		}
	}
	deadline := time.Now().Add(10*period + 10*time.Second)
	for _, n := range nodes {
		for {
			list, err := n.tracker.List(context.Background(), "warmup")
			if err != nil {
				b.Fatal(err)
			}
			if len(list) == len(nodes) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("the nodes did not find each other: %d listed", len(list))
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for _, n := range nodes {
		n.counter.reset()
	}

	// The joins are spread over at least three broadcast periods, so that
	// their phases relative to their node's ticker are as varied as those
	// of users arriving at random.
	spacing := max(3*period/time.Duration(b.N), 5*time.Millisecond)
	tracked := make([]time.Time, b.N)
	b.ResetTimer()
	for i := range b.N {
		tracked[i] = time.Now()
		if _, err := nodes[i%3].tracker.Track(owner, topic, "u"+strconv.Itoa(i), brokerMeta{OnlineAt: "1764200000"}); err != nil {
			b.Fatal(err)
		}
		time.Sleep(spacing)
	}
	timeout := time.NewTimer(3*period + 30*time.Second)
	defer timeout.Stop()
	for i, n := range nodes {
		select {
		case <-n.all:
		case <-timeout.C:
			n.mu.Lock()
			b.Fatalf("node %d still waits for %d joins of the others", i, n.want)
		}
	}
	b.StopTimer()

	lat := make([]time.Duration, b.N)
	for i := range b.N {
		for j, n := range nodes {
			if j == i%3 {
				continue
			}
			n.mu.Lock()
			lat[i] = max(lat[i], n.seen["u"+strconv.Itoa(i)].Sub(tracked[i]))
			n.mu.Unlock()
		}
	}
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[(len(lat)*99)/100]), "p99-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	var published int64
	for _, n := range nodes {
		published += n.counter.bytes.Load()
	}
	b.ReportMetric(float64(published)/float64(b.N), "wire-B/join")
}

// read records when each join of another node reaches this node's
// subscriber, until stop is closed.
func (n *brokerNode) read() {
	for {
		select {
		case <-n.stop:
			return
		case msg := <-n.sub.C():
			if d, ok := msg.Payload.(presence.Diff[brokerMeta]); ok {
				n.record(d, time.Now())
			}
		}
	}
}

// record notes the joins of other nodes that d carries.
func (n *brokerNode) record(d presence.Diff[brokerMeta], at time.Time) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for key := range d.Joins {
		k, err := strconv.Atoi(key[1:])
		if _, dup := n.seen[key]; err != nil || dup || k%3 == n.index {
			continue
		}
		n.seen[key] = at
		if n.want--; n.want == 0 {
			close(n.all)
		}
	}
}

// countingAdapter counts the bytes a node publishes.
type countingAdapter struct {
	pubsub.Adapter
	bytes atomic.Int64
}

func (a *countingAdapter) Publish(ctx context.Context, frame []byte) error {
	a.bytes.Add(int64(len(frame)))
	return a.Adapter.Publish(ctx, frame)
}

func (a *countingAdapter) reset() { a.bytes.Store(0) }
