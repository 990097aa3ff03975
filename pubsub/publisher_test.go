package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

// stuckAdapter is a MemoryCluster adapter behind a broker that does not
// answer: Publish waits until the gate opens, its context ends (unless
// ignoreCtx), or the adapter closes — as a publish on a half-open
// connection does.
type stuckAdapter struct {
	pubsub.Adapter
	ignoreCtx bool
	waiting   chan struct{} // receives when a Publish starts waiting
	gate      chan struct{} // closed to let publishes through
	once      sync.Once
	closed    chan struct{}
}

func newStuckAdapter(a pubsub.Adapter) *stuckAdapter {
	return &stuckAdapter{Adapter: a, waiting: make(chan struct{}, 1), gate: make(chan struct{}), closed: make(chan struct{})}
}

func (s *stuckAdapter) Publish(ctx context.Context, frame []byte) error {
	select {
	case s.waiting <- struct{}{}:
	default:
	}
	done := ctx.Done()
	if s.ignoreCtx {
		done = nil
	}
	select {
	case <-s.gate:
		return s.Adapter.Publish(ctx, frame)
	case <-done:
		return ctx.Err()
	case <-s.closed:
		return pubsub.ErrClosed
	}
}

func (s *stuckAdapter) Close() error {
	s.once.Do(func() { close(s.closed) })
	return s.Adapter.Close()
}

// errorLog collects what OnError reports.
type errorLog struct {
	mu   sync.Mutex // guards errs
	errs []error
}

func (l *errorLog) add(err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

// all returns what was reported so far.
func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

func (l *errorLog) count(target error) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, err := range l.errs {
		if errors.Is(err, target) {
			n++
		}
	}
	return n
}

// receiveAll fails the test unless s receives want, in order, and nothing
// else for a moment.
func receiveAll(t *testing.T, s *pubsub.Subscription, want ...string) {
	t.Helper()
	for _, w := range want {
		select {
		case m := <-s.C():
			if m.Payload != w {
				t.Fatalf("got %#v, want %q (all: %q)", m.Payload, w, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %q within 5 s", w)
		}
	}
	select {
	case m := <-s.C():
		t.Fatalf("unexpected %#v after %q", m.Payload, want)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestABroadcastDoesNotWaitForTheBroker broadcasts while the adapter cannot
// publish: each call returns at once, local subscribers are served, and
// once the broker answers the other node receives every frame in order.
func TestABroadcastDoesNotWaitForTheBroker(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	stuck := newStuckAdapter(cluster.Adapter("a"))
	a := newNode(t, pubsub.Options{Node: "a", Adapter: stuck, PublishTimeout: time.Hour})
	b := newNode(t, pubsub.Options{Node: "b", Adapter: cluster.Adapter("b")})
	onA, _ := a.Subscribe("t")
	onB, _ := b.Subscribe("t")

	var want []string
	for i := range 10 {
		msg := fmt.Sprint(i)
		want = append(want, msg)
		start := time.Now()
		if err := a.Broadcast(t.Context(), "t", msg); err != nil {
			t.Fatal(err)
		}
		// A generous bound: the broker would hold it for an hour.
		if d := time.Since(start); d > time.Second {
			t.Fatalf("Broadcast waited %v for a broker that does not answer", d)
		}
	}
	receiveAll(t, onA, want...)
	<-stuck.waiting
	close(stuck.gate)
	receiveAll(t, onB, want...)
}

// TestAFullPublishQueueDropsTheOldest fills the publish queue while the
// broker hangs: the oldest frames are dropped and counted, the drop is
// reported once, and the newest frames follow the one in flight.
func TestAFullPublishQueueDropsTheOldest(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	stuck := newStuckAdapter(cluster.Adapter("a"))
	var errs errorLog
	a := newNode(t, pubsub.Options{Node: "a", Adapter: stuck, PublishQueue: 4, PublishTimeout: time.Hour, OnError: errs.add})
	b := newNode(t, pubsub.Options{Node: "b", Adapter: cluster.Adapter("b")})
	onB, _ := b.Subscribe("t")

	a.Broadcast(t.Context(), "t", "0")
	<-stuck.waiting // "0" is in flight; the queue is empty
	for i := 1; i <= 9; i++ {
		if err := a.Broadcast(t.Context(), "t", fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if st := a.Stats(); st.PublishDropped != 5 || st.PublishErrors != 0 {
		t.Fatalf("stats %+v: want 5 frames dropped (1 to 5) and no error", st)
	}
	if n := errs.count(pubsub.ErrPublish); n != 1 {
		t.Fatalf("OnError heard of the full queue %d times, want once", n)
	}
	close(stuck.gate)
	receiveAll(t, onB, "0", "6", "7", "8", "9")
}

// TestAPublishThatTimesOutIsCountedAndReported lets each publish hang until
// its timeout: the broadcasts still return nil, and the frames are counted
// as failed and reported.
func TestAPublishThatTimesOutIsCountedAndReported(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	stuck := newStuckAdapter(cluster.Adapter("a"))
	var errs errorLog
	a := newNode(t, pubsub.Options{Node: "a", Adapter: stuck, PublishTimeout: 20 * time.Millisecond, OnError: errs.add})
	for i := range 3 {
		if err := a.Broadcast(t.Context(), "t", fmt.Sprint(i)); err != nil {
			t.Fatalf("Broadcast %d: %v", i, err)
		}
	}
	// Each failed publish is counted, then reported.
	deadline := time.Now().Add(5 * time.Second)
	for a.Stats().PublishErrors < 3 || errs.count(pubsub.ErrPublish) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, reports %v: want 3 publish errors, reported", a.Stats(), errs.all())
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, err := range errs.all() {
		if !errors.Is(err, pubsub.ErrPublish) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("OnError got %v, want a publish error that timed out", err)
		}
	}
}

// TestCloseSendsWhatIsQueued closes a node right after it broadcasts: the
// frame still reaches the other node.
func TestCloseSendsWhatIsQueued(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	a, err := pubsub.New(pubsub.Options{Node: "a", Adapter: cluster.Adapter("a"), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	b := newNode(t, pubsub.Options{Node: "b", Adapter: cluster.Adapter("b")})
	onB, _ := b.Subscribe("t")
	for i := range 100 {
		a.Broadcast(t.Context(), "t", fmt.Sprint(i))
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		select {
		case m := <-onB.C():
			if m.Payload != fmt.Sprint(i) {
				t.Fatalf("got %#v, want %d", m.Payload, i)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("frame %d was lost by Close", i)
		}
	}
}

// TestCloseDoesNotHangOnAStuckBroker closes a node whose broker does not
// answer, through an adapter that does not even heed the publish timeout:
// Close gives up after the timeout, closes the adapter (which ends the
// publish) and counts what it could not send.
func TestCloseDoesNotHangOnAStuckBroker(t *testing.T) {
	t.Parallel()
	stuck := newStuckAdapter(pubsub.NewMemoryCluster().Adapter("a"))
	stuck.ignoreCtx = true
	a, err := pubsub.New(pubsub.Options{Node: "a", Adapter: stuck, PublishTimeout: 100 * time.Millisecond, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	a.Broadcast(t.Context(), "t", "0")
	<-stuck.waiting
	for i := 1; i <= 5; i++ {
		a.Broadcast(t.Context(), "t", fmt.Sprint(i))
	}
	start := time.Now()
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
	if st := a.Stats(); st.PublishErrors+st.PublishDropped != 6 {
		t.Fatalf("stats %+v: want the 6 frames counted as failed or dropped", st)
	}
}
