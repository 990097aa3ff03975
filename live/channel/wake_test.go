package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

// A constructor may keep its Conn and have it closed at once, even before
// the join runs. The stop waits for the join: the channel joins, then
// ends; it never runs on two goroutines, nor before it joined.
func TestACloseFromTheConstructorEndsTheChannelAfterItsJoin(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.cc.Close()
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.expectStatus(c.join("room:1", "1", nil), "ok", `{"user":"1"}`)
	if m := c.read(); string(m.Raw) != `["1","1","room:1","phx_close",{}]` {
		t.Fatalf("want phx_close, got %s", m.Raw)
	}
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrClosed) {
		t.Fatalf("Terminate reason %v, want ErrClosed", r)
	}
}

// A callback that calls runtime.Goexit (t.FailNow in a test's handler)
// unwinds the goroutine without returning. The channel still ends, as
// after a crash, so that the connection does not wait for it forever: its
// client's frames are not held, it may be joined again, and Shutdown
// returns.
func TestAGoexitInACallbackCrashesOnlyItsChannel(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 4)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, payload json.RawMessage) (any, error) {
			var p struct{ Goexit bool }
			json.Unmarshal(payload, &p)
			if p.Goexit {
				runtime.Goexit()
			}
			return nil, nil
		}
		ch.handleIn = func(_ context.Context, _ *Conn, ev Message) (Reply, error) {
			if ev.Name == "goexit" {
				runtime.Goexit()
			}
			return ReplyOK(nil), nil
		}
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:a", "1", nil)
	c.send("1", "2", "room:a", "goexit", nil)
	if m := c.read(); string(m.Raw) != `["1","1","room:a","phx_error",{"reason":"channel_crash"}]` {
		t.Fatalf("want phx_error, got %s", m.Raw)
	}
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrChannelCrashed) {
		t.Fatalf("Terminate reason %v, want a crash", r)
	}
	c.expectStatus(c.join("room:a", "3", nil), "ok", `{}`)
	c.send("3", "4", "room:a", "hello", nil)
	c.expectStatus(c.expectReply("4"), "ok", `{}`)

	// In Join: the join is answered as a crashed one, and the topic is
	// free again.
	c.send("5", "5", "room:b", "phx_join", map[string]any{"goexit": true})
	c.expectStatus(c.expectReply("5"), "error", `{"reason":"join crashed"}`)
	c.send("5", "6", "room:b", "hello", nil)
	c.expectStatus(c.expectReply("6"), "error", `{"reason":"unmatched topic"}`)
	c.expectStatus(c.join("room:b", "7", nil), "ok", `{}`)

	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.sock.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
}

// stressChannel counts what it handles, by source, and checks that its
// callbacks never overlap and never run after Terminate.
type stressChannel struct {
	testChannel
	t *testing.T

	inside     atomic.Bool
	terminated atomic.Bool
	ended      chan struct{}

	mu   sync.Mutex     // guards next
	next map[string]int // source → the sequence number expected next
}

func (ch *stressChannel) enter() {
	if !ch.inside.CompareAndSwap(false, true) {
		ch.t.Errorf("%s: two callbacks at once", ch.cc.Topic())
	}
	if ch.terminated.Load() {
		ch.t.Errorf("%s: a callback after Terminate", ch.cc.Topic())
	}
}

func (ch *stressChannel) leave() { ch.inside.Store(false) }

// seen checks that n is the next number of source: nothing lost before
// it, nothing handled twice.
func (ch *stressChannel) seen(source string, n int) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if want := ch.next[source]; n != want {
		ch.t.Errorf("%s: %s #%d handled, want #%d", ch.cc.Topic(), source, n, want)
	}
	ch.next[source] = n + 1
}

func (ch *stressChannel) count(source string) int {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.next[source]
}

func (ch *stressChannel) HandleIn(_ context.Context, ev Message) (Reply, error) {
	ch.enter()
	defer ch.leave()
	var n int
	if err := json.Unmarshal(ev.Payload, &n); err != nil {
		return NoReply, err
	}
	ch.seen("client", n)
	return NoReply, nil
}

func (ch *stressChannel) HandleInfo(_ context.Context, m pubsub.Message) error {
	ch.enter()
	defer ch.leave()
	d := m.Payload.(stressMsg)
	ch.seen(d.source, d.n)
	return nil
}

func (ch *stressChannel) Drained(context.Context) error {
	ch.enter()
	defer ch.leave()
	return nil
}

func (ch *stressChannel) Terminate(error) {
	ch.enter()
	if ch.terminated.Swap(true) {
		ch.t.Errorf("%s: Terminate twice", ch.cc.Topic())
	}
	ch.leave()
	close(ch.ended)
}

type stressMsg struct {
	source string
	n      int
}

// Many idle channels woken at once by client frames, PubSub deliveries
// and sends of their own, from several goroutines, then stopped while
// more arrive: each handles every message sent before the stop exactly
// once, in order per source, on one goroutine at a time, and nothing
// after Terminate.
func TestConcurrentWakesLoseNothingAndHandleNothingTwice(t *testing.T) {
	t.Parallel()
	const (
		conns      = 4
		perConn    = 8
		perSource  = 150
		afterPause = 50 // sent while the stop is requested
	)
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	var mu sync.Mutex
	chans := map[string]*stressChannel{}
	s := startSocket(t, SocketOptions[*testUser]{PubSub: ps, Limits: Limits{MailboxSize: 4 * (perSource + afterPause)}}, nil)
	s.sock.Channel("stress:*", func(cc *Conn, u *testUser) Channel {
		ch := &stressChannel{testChannel: testChannel{cc: cc, user: u}, t: t, ended: make(chan struct{}), next: map[string]int{}}
		mu.Lock()
		chans[cc.Topic()] = ch
		mu.Unlock()
		return ch
	})

	clients := make([]*wsClient, conns)
	var topics []string
	for i := range clients {
		c := s.dial(t, fmt.Sprint(i))
		clients[i] = c
		for j := range perConn {
			topic := fmt.Sprintf("stress:%d-%d", i, j)
			c.expectStatus(c.join(topic, "1", nil), "ok", `{"user":"`+fmt.Sprint(i)+`"}`)
			topics = append(topics, topic)
		}
	}
	// Each client's frames, one writer per connection; and per channel a
	// broadcaster and a sender into the mailbox.
	send := func(from, to int) {
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Go(func() {
				for n := from; n < to; n++ {
					for j := range perConn {
						c.send("1", "", fmt.Sprintf("stress:%d-%d", i, j), "n", n)
					}
				}
			})
		}
		for _, topic := range topics {
			mu.Lock()
			ch := chans[topic]
			mu.Unlock()
			wg.Go(func() {
				for n := from; n < to; n++ {
					ps.Broadcast(t.Context(), topic, stressMsg{"pubsub", n})
				}
			})
			wg.Go(func() {
				for n := from; n < to; n++ {
					ch.cc.Mailbox().Send(pubsub.Message{Payload: stressMsg{"send", n}})
					if n%16 == 0 {
						runtime.Gosched() // let the channel go idle now and then
					}
				}
			})
		}
		wg.Wait()
	}
	send(0, perSource)
	for _, topic := range topics {
		mu.Lock()
		ch := chans[topic]
		mu.Unlock()
		waitUntil(t, topic+" to handle everything sent", func() bool {
			return ch.count("client") == perSource && ch.count("pubsub") == perSource && ch.count("send") == perSource
		})
	}

	// Stop every channel while more arrives: what is handled still comes
	// once and in order, and nothing follows Terminate.
	var wg sync.WaitGroup
	wg.Go(func() { send(perSource, perSource+afterPause) })
	for _, topic := range topics {
		mu.Lock()
		ch := chans[topic]
		mu.Unlock()
		wg.Go(ch.cc.Close)
	}
	wg.Wait()
	for _, topic := range topics {
		mu.Lock()
		ch := chans[topic]
		mu.Unlock()
		waitFor(t, ch.ended, topic+" to end")
	}
	for _, c := range clients {
		for range perConn {
			for {
				if m := c.read(); m.Event == "phx_close" {
					break
				}
			}
		}
	}
}

// TestClientEventsAndMessagesWaitingAreTakenInTurn queues client events
// and mailbox messages behind a blocked event: once it returns, the
// channel's goroutine takes one of each in turn, so that neither kind
// starves the other, and then what is left of the longer queue.
func TestClientEventsAndMessagesWaitingAreTakenInTurn(t *testing.T) {
	t.Parallel()
	const queued = 10
	release := make(chan struct{})
	clients := make(chan *Conn, 1)
	var mu sync.Mutex
	var order []string
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		clients <- ch.cc
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			if ev.Name == "wait" {
				<-release
			}
			mu.Lock()
			order = append(order, "in")
			mu.Unlock()
			return ReplyOK(nil), nil
		}
		ch.info = func(_ context.Context, _ *Conn, msg any) error {
			mu.Lock()
			order = append(order, "msg")
			mu.Unlock()
			return nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	cc := waitFor(t, clients, "the channel")
	c.send("1", "2", "room:1", "wait", nil)
	for range queued {
		c.send("1", "3", "room:1", "ev", nil)
	}
	waitQueued(t, cc, queued)
	for i := range queued + 2 {
		if !cc.Mailbox().Send(pubsub.Message{Topic: "other", Payload: i}) {
			t.Fatalf("message %d dropped", i)
		}
	}
	close(release)
	waitUntil(t, "everything is handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(order) == 1+queued+queued+2
	})
	mu.Lock()
	defer mu.Unlock()
	want := []string{"in"}
	for range queued {
		want = append(want, "msg", "in")
	}
	want = append(want, "msg", "msg")
	if fmt.Sprint(order) != fmt.Sprint(want) {
		t.Fatalf("handled %v, want %v", order, want)
	}
}

// TestCloseDropsTheMessagesQueuedBehindIt has a client event close its
// channel while mailbox messages wait: a message goes next after a client
// event, but not after a Close, and none is handled.
func TestCloseDropsTheMessagesQueuedBehindIt(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	clients := make(chan *Conn, 1)
	started := make(chan struct{})
	var infos atomic.Int32
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		clients <- ch.cc
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			close(started)
			<-release
			cc.Close()
			return ReplyOK(nil), nil
		}
		ch.info = func(context.Context, *Conn, any) error {
			infos.Add(1)
			return nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	cc := waitFor(t, clients, "the channel")
	c.send("1", "2", "room:1", "close", nil)
	waitFor(t, started, "the event")
	for i := range 5 {
		cc.Mailbox().Send(pubsub.Message{Topic: "other", Payload: i})
	}
	close(release)
	waitFor(t, cc.done, "the channel's goroutine")
	if n := infos.Load(); n != 0 {
		t.Fatalf("HandleInfo ran %d times after Close", n)
	}
}
