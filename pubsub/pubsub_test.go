package pubsub_test

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"

	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/pubsubtest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformanceSingleNode(t *testing.T) {
	t.Parallel()
	pubsubtest.Run(t, func(t *testing.T, opts pubsub.Options) []*pubsub.PubSub {
		return []*pubsub.PubSub{newNode(t, opts)}
	})
}

func TestConformanceMemoryCluster(t *testing.T) {
	t.Parallel()
	pubsubtest.Run(t, func(t *testing.T, opts pubsub.Options) []*pubsub.PubSub {
		cluster := pubsub.NewMemoryCluster()
		var nodes []*pubsub.PubSub
		for i := range 3 {
			o := opts
			o.Node = fmt.Sprintf("%s-%d", t.Name(), i)
			o.Adapter = cluster.Adapter(o.Node)
			nodes = append(nodes, newNode(t, o))
		}
		return nodes
	})
}

func newNode(t *testing.T, opts pubsub.Options) *pubsub.PubSub {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ps, err := pubsub.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ps.Close(); err != nil {
			t.Error(err)
		}
	})
	return ps
}

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	a, b := newNode(t, pubsub.Options{}), newNode(t, pubsub.Options{})
	if a.Node() == "" || a.Node() == b.Node() {
		t.Fatalf("default node names %q and %q are not unique", a.Node(), b.Node())
	}
	s, err := a.Subscribe("t")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Mailbox().Cap(); got != pubsub.DefaultMailboxSize {
		t.Fatalf("default mailbox capacity %d, want %d", got, pubsub.DefaultMailboxSize)
	}
	if s.Topic() != "t" || a.Subscribers("t") != 1 {
		t.Fatalf("topic %q, %d subscribers", s.Topic(), a.Subscribers("t"))
	}
	s.Close()
	if n := a.Subscribers("t"); n != 0 {
		t.Fatalf("%d subscribers after Close", n)
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()
	type A struct{}
	type B struct{}
	tests := []struct {
		name    string
		reg     func(ps *pubsub.PubSub) error
		wantErr error
	}{
		{"registering the same pair twice is harmless", func(ps *pubsub.PubSub) error {
			return errors.Join(ps.Register("a", A{}), ps.Register("a", A{}))
		}, nil},
		{"a name cannot name two types", func(ps *pubsub.PubSub) error {
			return errors.Join(ps.Register("a", A{}), pubsub.Register[B](ps, "a"))
		}, pubsub.ErrDuplicateType},
		{"a type cannot have two names", func(ps *pubsub.PubSub) error {
			return errors.Join(ps.Register("a", A{}), ps.Register("b", A{}))
		}, pubsub.ErrDuplicateType},
		{"a built-in name is taken", func(ps *pubsub.PubSub) error {
			return ps.Register("string", A{})
		}, pubsub.ErrDuplicateType},
		{"a nil sample is refused", func(ps *pubsub.PubSub) error {
			return ps.Register("nil", nil)
		}, pubsub.ErrUnregistered},
		{"an empty name is refused", func(ps *pubsub.PubSub) error {
			return pubsub.Register[A](ps, "")
		}, pubsub.ErrUnregistered},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.reg(newNode(t, pubsub.Options{}))
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("got %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSingleNodeNeverEncodes(t *testing.T) {
	t.Parallel()
	type unregistered struct{ Ch chan int } // not even encodable (json: unsupported type)
	ps := newNode(t, pubsub.Options{})
	s, _ := ps.Subscribe("x")
	if err := ps.Broadcast(t.Context(), "x", unregistered{}); err != nil {
		t.Fatalf("single-node Broadcast of an unregistered type: %v", err)
	}
	if m := <-s.C(); m.Payload != (unregistered{}) {
		t.Fatalf("got %#v", m.Payload)
	}
}

func TestSubscribeMailboxNil(t *testing.T) {
	t.Parallel()
	if _, err := newNode(t, pubsub.Options{}).SubscribeMailbox(nil, "x"); err == nil {
		t.Fatal("SubscribeMailbox(nil) succeeded")
	}
}

func TestNewMailboxPanicsOnZeroCapacity(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("NewMailbox(0) did not panic")
		}
	}()
	pubsub.NewMailbox(0)
}

func TestResume(t *testing.T) {
	t.Parallel()
	ps := newNode(t, pubsub.Options{OnError: func(error) {}})
	mb := pubsub.NewMailbox(1)
	ps.SubscribeMailbox(mb, "r")
	if n := mb.Resume(); n != 0 {
		t.Fatalf("Resume on a healthy mailbox discarded %d", n)
	}
	ps.LocalBroadcast("r", 1)
	ps.LocalBroadcast("r", 2)
	if n := mb.Resume(); n != 1 {
		t.Fatalf("Resume discarded %d, want the 1 queued message", n)
	}
	select {
	case <-mb.Overflow():
		t.Fatal("Resume left the overflow signal pending")
	default:
	}
	ps.LocalBroadcast("r", 3)
	if m := <-mb.C(); m.Payload != 3 || mb.Lagged() {
		t.Fatalf("after Resume got %v, lagged %v", m.Payload, mb.Lagged())
	}
}

var discard = slog.New(slog.DiscardHandler)

// Once Unsubscribe returns, no broadcast, even one already under way on
// another goroutine, may deliver through the subscription.
func TestUnsubscribeIsExact(t *testing.T) {
	t.Parallel()
	ps := newNode(t, pubsub.Options{})
	stop := make(chan struct{})
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					ps.LocalBroadcast("hot", "x")
					sent.Add(1)
					runtime.Gosched()
				}
			}
		})
	}
	for range 20 {
		s, err := ps.Subscribe("hot")
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		n := s.Mailbox().Len()
		// Let both publishers finish the broadcast they were in and
		// start new ones.
		for from := sent.Load(); sent.Load() < from+4; {
			runtime.Gosched()
		}
		if got := s.Mailbox().Len(); got != n {
			t.Fatalf("%d messages delivered after Unsubscribe returned", got-n)
		}
	}
	close(stop)
	wg.Wait()
}

// Subscribing and closing concurrently never leaves a subscription behind,
// and never delivers to a closed PubSub's subscribers.
func TestCloseRacesSubscribe(t *testing.T) {
	t.Parallel()
	for range 50 {
		ps, _ := pubsub.New(pubsub.Options{Logger: discard})
		var wg sync.WaitGroup
		var subs [4]*pubsub.Subscription
		for i := range subs {
			wg.Go(func() { subs[i], _ = ps.Subscribe("t") })
		}
		wg.Go(func() { ps.Close() })
		wg.Wait()
		ps.LocalBroadcast("t", "late")
		if n := ps.Subscribers("t"); n != 0 {
			t.Fatalf("%d subscriptions survived Close", n)
		}
		for _, s := range subs {
			if s != nil && s.Mailbox().Len() != 0 {
				t.Fatal("a subscription of a closed PubSub received a message")
			}
		}
	}
}

func TestMailboxSend(t *testing.T) {
	t.Parallel()
	mb := pubsub.NewMailbox(1)
	if !mb.Send(pubsub.Message{Payload: "tick"}) {
		t.Fatal("Send to an empty mailbox failed")
	}
	if mb.Send(pubsub.Message{Payload: "tock"}) {
		t.Fatal("Send to a full mailbox succeeded")
	}
	if !mb.Lagged() || mb.Dropped() != 1 {
		t.Fatalf("lagged %v, dropped %d", mb.Lagged(), mb.Dropped())
	}
	select {
	case <-mb.Overflow():
	default:
		t.Fatal("no overflow signal")
	}
}

// Notify's function is called after each message is in the mailbox and
// after the overflow signal is, so that an owner woken by it finds what
// woke it; not for the drops of a lagged mailbox, which its pending
// signal stands for; and no more once removed.
func TestMailboxNotify(t *testing.T) {
	t.Parallel()
	ps := newNode(t, pubsub.Options{OnError: func(error) {}})
	mb := pubsub.NewMailbox(2)
	ps.SubscribeMailbox(mb, "n")
	var calls []string
	mb.Notify(func() {
		calls = append(calls, fmt.Sprintf("len %d overflow %d", mb.Len(), len(mb.Overflow())))
	})
	ps.LocalBroadcast("n", 1)
	mb.Send(pubsub.Message{Payload: 2})
	ps.LocalBroadcast("n", 3) // dropped: the mailbox lags
	mb.Send(pubsub.Message{Payload: 4})
	ps.LocalBroadcast("n", 5)
	want := "[len 1 overflow 0 len 2 overflow 0 len 2 overflow 1]"
	if got := fmt.Sprint(calls); got != want {
		t.Fatalf("Notify calls %s, want %s", got, want)
	}
	mb.Resume()
	mb.Notify(nil)
	ps.LocalBroadcast("n", 6)
	if mb.Len() != 1 || len(calls) != 3 {
		t.Fatalf("after Notify(nil): %d queued, %d calls", mb.Len(), len(calls))
	}
}

func TestTopicsListsTopicsWithSubscribersByName(t *testing.T) {
	t.Parallel()
	ps := newNode(t, pubsub.Options{})
	var subs []*pubsub.Subscription
	for _, topic := range []string{"b", "a", "b", "c"} {
		s, err := ps.Subscribe(topic)
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	subs[3].Close() // "c" has no subscriber left
	got := fmt.Sprint(ps.Topics())
	if want := "[{a 1} {b 2}]"; got != want {
		t.Fatalf("Topics() = %s, want %s", got, want)
	}
}

// TestMailboxTryReceive reads a mailbox without its channel: in order, up
// to its capacity, with the overflow policy of C; C made halfway takes
// over what waits, in order; Resume discards what waits either way.
func TestMailboxTryReceive(t *testing.T) {
	mb := pubsub.NewMailbox(3)
	if _, ok := mb.TryReceive(); ok {
		t.Fatal("an empty mailbox gave a message")
	}
	for i := range 3 {
		if !mb.Send(pubsub.Message{Payload: i}) {
			t.Fatalf("message %d dropped", i)
		}
	}
	if mb.Len() != 3 || mb.Cap() != 3 {
		t.Fatalf("Len %d Cap %d, want 3 and 3", mb.Len(), mb.Cap())
	}
	if mb.Send(pubsub.Message{Payload: 3}) || !mb.Lagged() {
		t.Fatal("a full mailbox took a fourth message")
	}
	select {
	case <-mb.Overflow():
	default:
		t.Fatal("no overflow signal")
	}
	if m, ok := mb.TryReceive(); !ok || m.Payload != 0 {
		t.Fatalf("got %v %v, want 0", m.Payload, ok)
	}
	if n := mb.Resume(); n != 2 {
		t.Fatalf("Resume discarded %d, want 2", n)
	}
	if _, ok := mb.TryReceive(); ok || mb.Len() != 0 {
		t.Fatal("Resume left messages")
	}
	// Reading and sending in turn, past the capacity in total.
	for i := range 10 {
		mb.Send(pubsub.Message{Payload: i})
		mb.Send(pubsub.Message{Payload: i + 100})
		for _, want := range []int{i, i + 100} {
			if m, ok := mb.TryReceive(); !ok || m.Payload != want {
				t.Fatalf("got %v %v, want %d", m.Payload, ok, want)
			}
		}
	}
	// C made while messages wait takes them over, in order.
	mb.Send(pubsub.Message{Payload: "a"})
	mb.Send(pubsub.Message{Payload: "b"})
	if m, ok := mb.TryReceive(); !ok || m.Payload != "a" {
		t.Fatalf("got %v, want a", m.Payload)
	}
	c := mb.C()
	mb.Send(pubsub.Message{Payload: "c"})
	if m := <-c; m.Payload != "b" {
		t.Fatalf("got %v from C, want b", m.Payload)
	}
	if m, ok := mb.TryReceive(); !ok || m.Payload != "c" {
		t.Fatalf("got %v %v after C, want c", m.Payload, ok)
	}
	if mb.C() != c {
		t.Fatal("C changed")
	}
}

// TestMailboxLagGuaranteeAcrossC has a goroutine deliver numbered messages
// past a small mailbox's capacity while its owner reads with TryReceive,
// and C is first called partway, by the owner or by another goroutine:
// what the owner takes before it resumes is exactly the deliveries before
// the first drop, in order, with no gap, whichever way it read them.
func TestMailboxLagGuaranteeAcrossC(t *testing.T) {
	t.Parallel()
	const n = 64
	for round := range 200 {
		mb := pubsub.NewMailbox(4)
		firstDrop := atomic.Int64{}
		firstDrop.Store(-1)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := range n {
				if !mb.Send(pubsub.Message{Payload: i}) && firstDrop.Load() < 0 {
					firstDrop.Store(int64(i))
				}
				if i%(round%7+1) == 0 {
					runtime.Gosched()
				}
			}
		})
		switchAt := round % 11
		if round%2 == 1 {
			// Another goroutine makes the channel, racing the reads and
			// the deliveries.
			wg.Go(func() { mb.C() })
		}
		var got []int
		take := func() (pubsub.Message, bool) {
			if len(got) < switchAt || round%3 == 0 {
				return mb.TryReceive()
			}
			select {
			case m := <-mb.C():
				return m, true
			default:
				return pubsub.Message{}, false
			}
		}
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		for finished := false; ; {
			m, ok := take()
			if ok {
				got = append(got, m.Payload.(int))
				continue
			}
			if finished {
				break
			}
			select {
			case <-done:
				finished = true // one more look: what was sent last
			default:
				runtime.Gosched()
			}
		}
		want := n
		if d := firstDrop.Load(); d >= 0 {
			want = int(d)
		}
		if len(got) != want {
			t.Fatalf("round %d: took %d messages, want the %d before the first drop", round, len(got), want)
		}
		for i, v := range got {
			if v != i {
				t.Fatalf("round %d: message %d is %d: %v", round, i, v, got)
			}
		}
		if d := mb.Dropped(); d != uint64(n-want) {
			t.Fatalf("round %d: dropped %d, want %d", round, d, n-want)
		}
		mb.Resume()
		if mb.Len() != 0 || mb.Lagged() {
			t.Fatalf("round %d: %d left after Resume, lagged %v", round, mb.Len(), mb.Lagged())
		}
		// Deliveries go through again, in order, after Resume.
		mb.Send(pubsub.Message{Payload: "after"})
		if m, ok := mb.TryReceive(); !ok || m.Payload != "after" {
			t.Fatalf("round %d: after Resume got %v %v", round, m.Payload, ok)
		}
	}
}
