package channel

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"
)

// waitQueued waits until n client events wait in cc's queue, so that a
// test knows they are all queued before it lets the goroutine go on.
func waitQueued(t *testing.T, cc *Conn, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(cc.in) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d events queued, want %d", len(cc.in), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCloseDropsTheEventsQueuedBehindIt(t *testing.T) {
	t.Parallel()
	const queued = 50
	release := make(chan struct{})
	conns := make(chan *Conn, 1)
	var calls atomic.Int32
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		conns <- ch.cc
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			if calls.Add(1) == 1 {
				<-release
				cc.Close()
			}
			return ReplyOK(nil), nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	cc := waitFor(t, conns, "the channel")
	c.send("1", "2", "room:1", "close", nil)
	for range queued {
		c.send("1", "3", "room:1", "ev", nil)
	}
	waitQueued(t, cc, queued)
	close(release)
	// The first event's reply, then phx_close; no reply to a queued event.
	c.expectReply("2")
	for m := c.read(); m.Event != "phx_close"; m = c.read() {
		if m.Event == "phx_reply" && m.Ref == "3" {
			t.Errorf("a queued event was handled after Close: %s", m.Raw)
		}
	}
	waitFor(t, cc.done, "the channel's goroutine")
	if n := calls.Load(); n != 1 {
		t.Fatalf("HandleIn ran %d times, want once: events queued behind Close were handled", n)
	}
}

func TestDrainedRunsAtLeastEvery64Events(t *testing.T) {
	t.Parallel()
	const queued = 200
	release := make(chan struct{})
	conns := make(chan *Conn, 1)
	// A queue that holds the whole burst, so that it never empties before
	// the last event: only the bound makes Drained run in between.
	s := startSocket(t, SocketOptions[*testUser]{ChannelQueue: 2 * queued}, nil)
	s.sock.Channel("burst:*", func(cc *Conn, _ *testUser) Channel {
		conns <- cc
		return &drainChannel{cc: cc, release: release}
	})
	c := s.dial(t, "1")
	c.join("burst:1", "1", nil)
	cc := waitFor(t, conns, "the channel")
	c.send("1", "2", "burst:1", "wait", nil)
	for range queued {
		c.send("1", "3", "burst:1", "ev", nil)
	}
	waitQueued(t, cc, queued)
	close(release)
	var bursts []int
	total := 0
	for total < queued+1 {
		m := c.read()
		if m.Event != "drained" {
			t.Fatalf("want a drained push, got %s", m.Raw)
		}
		var p struct{ Handled int }
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p.Handled > maxBurst {
			t.Fatalf("Drained ran after %d events, more than %d", p.Handled, maxBurst)
		}
		bursts = append(bursts, p.Handled)
		total += p.Handled
	}
	if len(bursts) < 2 || total != queued+1 {
		t.Fatalf("Drained ran after bursts of %v events, want several adding up to %d", bursts, queued+1)
	}
}
