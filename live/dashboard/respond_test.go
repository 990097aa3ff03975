package dashboard

import (
	"context"
	"math"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/pubsub"
)

// A burst of requests overflows the responder's mailbox; the node must
// go on answering the requests that come after it.
func TestTheResponderAnswersAfterItsMailboxOverflowed(t *testing.T) {
	ps, err := pubsub.New(pubsub.Options{MailboxSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	srv := live.NewServer(live.Options{PubSub: ps, Secret: []byte(strings.Repeat("k", 32))})
	defer srv.Shutdown(context.Background())
	db, err := Mount(srv, "/dashboard", Options{Allow: func(*live.Socket) bool { return true }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	for range 5000 {
		if err := ps.Broadcast(ctx, requestTopic, sampleRequest{ReplyTo: replyPrefix + "burst"}); err != nil {
			t.Fatal(err)
		}
	}
	probe, err := ps.Subscribe(replyPrefix + "probe")
	if err != nil {
		t.Fatal(err)
	}
	defer probe.Close()
	deadline := time.After(10 * time.Second)
	for {
		if err := ps.Broadcast(ctx, requestTopic, sampleRequest{ReplyTo: replyPrefix + "probe"}); err != nil {
			t.Fatal(err)
		}
		select {
		case msg := <-probe.C():
			if _, ok := msg.Payload.(NodeSample); !ok {
				t.Fatalf("the answer is a %T", msg.Payload)
			}
			return
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatal("the node stopped answering after a burst of requests")
		}
	}
}

// A p99 in the histogram's last bucket, whose upper bound is +Inf, is
// its lower bound, not +Inf (which no Duration holds).
func TestQuantileOfTheUnboundedBucket(t *testing.T) {
	h := &metrics.Float64Histogram{Counts: []uint64{1, 0, 100}, Buckets: []float64{0, 1e-6, 1e-3, math.Inf(1)}}
	if got := quantile(h, 0.99); got != 1e-3 {
		t.Errorf("quantile = %v, want 1e-3", got)
	}
	h = &metrics.Float64Histogram{Counts: []uint64{100, 1}, Buckets: []float64{math.Inf(-1), 1e-6, 1e-3}}
	if got := quantile(h, 0.5); got != 1e-6 {
		t.Errorf("quantile = %v, want 1e-6", got)
	}
}
