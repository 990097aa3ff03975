package nats_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/templive/templive/pubsub/internal/adaptertest"

	natsgo "github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/templive/templive/internal/tcpproxy"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/nats"
	"github.com/templive/templive/pubsub/pubsubtest"
)

// The tests need the shared NATS server; they fail, with a hint, when it is
// not there.
const (
	url  = nats.DefaultURL
	addr = "127.0.0.1:4222"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var discard = slog.New(slog.DiscardHandler)

// uniqueSubject keeps parallel tests, and parallel runs, apart.
func uniqueSubject() string { return "templive-test." + rand.Text() }

func newNode(t *testing.T, opts pubsub.Options, no nats.Options) *pubsub.PubSub {
	t.Helper()
	if no.Logger == nil {
		no.Logger = discard
	}
	opts.Adapter = nats.New(no)
	ps, err := pubsub.New(opts)
	if err != nil {
		t.Fatalf("start a node on NATS at %s (is nats-server running?): %v", no.URL, err)
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
		subject := uniqueSubject()
		var nodes []*pubsub.PubSub
		for i := range 3 {
			o := opts
			o.Node = fmt.Sprintf("node-%d", i)
			nodes = append(nodes, newNode(t, o, nats.Options{URL: url, Subject: subject}))
		}
		return nodes
	})
}

func TestConformanceSharedConnection(t *testing.T) {
	t.Parallel()
	pubsubtest.Run(t, func(t *testing.T, opts pubsub.Options) []*pubsub.PubSub {
		conn, err := natsgo.Connect(url)
		if err != nil {
			t.Fatalf("connect to NATS at %s (is nats-server running?): %v", url, err)
		}
		t.Cleanup(conn.Close)
		subject := uniqueSubject()
		var nodes []*pubsub.PubSub
		for i := range 2 {
			o := opts
			o.Node = fmt.Sprintf("node-%d", i)
			nodes = append(nodes, newNode(t, o, nats.Options{Conn: conn, Subject: subject}))
		}
		return nodes
	})
}

func TestStartFailsWithoutServer(t *testing.T) {
	t.Parallel()
	_, err := pubsub.New(pubsub.Options{Adapter: nats.New(nats.Options{URL: "nats://127.0.0.1:1", Logger: discard})})
	if err == nil {
		t.Fatal("New succeeded with no NATS server behind the address")
	}
}

// TestOutage cuts the nodes' connections to NATS with a proxy: broadcasts
// still return at once and reach local subscribers, and what cannot be
// published is reported. Once the connection is restored, the nodes hear
// each other again.
func TestOutage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		bufSize   int // nats.go reconnect buffer; -1 disables it
		wantError bool
	}{
		{"with the reconnect buffer, broadcasts during the outage are buffered", 0, false},
		{"without the reconnect buffer, a broadcast during the outage fails and is reported", -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
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
			reported := func() int {
				mu.Lock()
				defer mu.Unlock()
				return len(publishErrs)
			}
			no := nats.Options{URL: "nats://" + proxy.Addr(), Subject: uniqueSubject(), MaxBackoff: 200 * time.Millisecond}
			if tt.bufSize != 0 {
				no.ConnectOptions = []natsgo.Option{natsgo.ReconnectBufSize(tt.bufSize)}
			}
			a := newNode(t, pubsub.Options{Node: "a", Logger: discard, OnError: onError}, no)
			b := newNode(t, pubsub.Options{Node: "b", Logger: discard}, no)
			subA, _ := a.Subscribe("t")
			subB, _ := b.Subscribe("t")

			if err := a.Broadcast(t.Context(), "t", "before"); err != nil {
				t.Fatal(err)
			}
			adaptertest.Expect(t, subA, "before")
			adaptertest.Expect(t, subB, "before")

			proxy.Cut()
			// The client notices the cut asynchronously: keep broadcasting
			// until a failure is reported, or long enough to know it
			// buffers.
			for i := 0; i < 20 && reported() == 0; i++ {
				msg := fmt.Sprintf("during %d", i)
				start := time.Now()
				if err := a.Broadcast(t.Context(), "t", msg); err != nil {
					t.Fatalf("Broadcast during the outage: %v; a failure to reach other nodes is reported, not returned", err)
				}
				if d := time.Since(start); d > time.Second {
					t.Fatalf("Broadcast during the outage took %v", d)
				}
				adaptertest.Expect(t, subA, msg) // local subscribers are still served
				time.Sleep(50 * time.Millisecond)
			}
			n, st := reported(), a.Stats()
			switch {
			case tt.wantError && (n == 0 || st.PublishErrors == 0):
				t.Fatalf("no failure reported during the outage: %d reports, stats %+v", n, st)
			case !tt.wantError && (n != 0 || st.PublishErrors != 0):
				t.Fatalf("a buffered broadcast failed: %d reports, stats %+v", n, st)
			}

			if err := proxy.Restore(); err != nil {
				t.Fatal(err)
			}
			adaptertest.WaitReconnected(t, a, subA, subB)
			adaptertest.WaitReconnected(t, b, subB, subA)
		})
	}
}

// TestHalfOpenConnectionIsNoticedWithinSecondsByDefault blackholes node a's
// connection to NATS — nothing answers and nothing is closed, as after a
// dead NAT entry — with the adapter's default options: its pings go
// unanswered, it reconnects, and it hears node b again within a few
// seconds, not nats.go's minutes.
func TestHalfOpenConnectionIsNoticedWithinSecondsByDefault(t *testing.T) {
	t.Parallel()
	proxy, err := tcpproxy.Start(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	subject := uniqueSubject()
	a := newNode(t, pubsub.Options{Node: "a", Logger: discard}, nats.Options{URL: "nats://" + proxy.Addr(), Subject: subject})
	b := newNode(t, pubsub.Options{Node: "b", Logger: discard}, nats.Options{URL: url, Subject: subject})
	subA, _ := a.Subscribe("t")
	subB, _ := b.Subscribe("t")
	if err := b.Broadcast(t.Context(), "t", "before"); err != nil {
		t.Fatal(err)
	}
	adaptertest.Expect(t, subA, "before")

	start := time.Now()
	proxy.Blackhole()
	adaptertest.WaitReconnected(t, b, subB, subA)
	took := time.Since(start)
	if bound := time.Duration(nats.DefaultMaxPingsOut+1)*nats.DefaultPingInterval + 3*time.Second; took > bound {
		t.Fatalf("the half-open connection was replaced after %v; want within %v", took, bound)
	}
	t.Logf("half-open connection replaced after %v", took.Round(10*time.Millisecond))
}

// BenchmarkRemoteDelivery measures one broadcast from node a reaching a
// subscriber on node b through the server, one message at a time: the
// latency of a round trip through nats, encoding and decoding included.
func BenchmarkRemoteDelivery(b *testing.B) {
	no := nats.Options{URL: url, Subject: uniqueSubject()}
	nodes := make([]*pubsub.PubSub, 2)
	for i := range nodes {
		no := no
		no.Logger = discard
		ps, err := pubsub.New(pubsub.Options{Node: fmt.Sprint(i), Logger: discard, Adapter: nats.New(no)})
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
