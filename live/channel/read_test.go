package channel

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serverClient returns the server's side of the only connection of s.
func serverClient(t *testing.T, s *testServer) *client {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		s.sock.core.mu.Lock()
		for c := range s.sock.core.clients {
			s.sock.core.mu.Unlock()
			return c
		}
		s.sock.core.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatal("no connection")
		}
		time.Sleep(time.Millisecond)
	}
}

// waitSettled waits until n() has not changed for a while, and returns it.
func waitSettled(t *testing.T, n func() int64) int64 {
	t.Helper()
	last, since := n(), time.Now()
	for deadline := time.Now().Add(10 * time.Second); time.Since(since) < 300*time.Millisecond; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still changing: %d", n())
		}
		if cur := n(); cur != last {
			last, since = cur, time.Now()
		}
	}
	return last
}

func TestInboundBytesBoundWhatWaitsForABusyChannel(t *testing.T) {
	t.Parallel()
	const (
		bound     = 1 << 20
		frameSize = 256 << 10
		sent      = 20 // 5 MiB, which the socket buffers take
	)
	release := make(chan struct{})
	conns := make(chan *Conn, 1)
	var handled atomic.Int32
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{InboundBytes: bound}}, func(ch *testChannel) {
		conns <- ch.cc
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			if handled.Add(1) == 1 {
				<-release
			}
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	cc := waitFor(t, conns, "the channel")
	sc := serverClient(t, s)
	big := strings.Repeat("x", frameSize)
	for range sent {
		c.send("1", "2", "room:1", "big", big)
	}
	// The first frame is being handled; the reader queues others behind
	// it up to the bound, and then waits.
	queued := waitSettled(t, func() int64 { return int64(len(cc.in)) })
	if queued*frameSize > bound+frameSize {
		t.Fatalf("%d frames of %d KiB queued for a busy channel, more than InboundBytes (%d KiB) and a frame", queued, frameSize>>10, bound>>10)
	}
	close(release)
	for deadline := time.Now().Add(10 * time.Second); handled.Load() < sent; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events handled", handled.Load(), sent)
		}
	}
	if n := waitSettled(t, sc.inBytes.Load); n != 0 {
		t.Fatalf("%d bytes still counted once every frame was handled", n)
	}
}

func TestFramesQueuedForAnEndedChannelAreReleased(t *testing.T) {
	t.Parallel()
	const frameSize = 64 << 10
	release := make(chan struct{})
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			if ev.Name == "close" {
				<-release
				cc.Close()
			}
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	sc := serverClient(t, s)
	c.send("1", "2", "room:1", "close", nil)
	big := strings.Repeat("x", frameSize)
	for range 10 {
		c.send("1", "3", "room:1", "big", big)
	}
	waitSettled(t, sc.inBytes.Load)
	close(release)
	for m := c.read(); m.Event != "phx_close"; m = c.read() {
	}
	if n := waitSettled(t, sc.inBytes.Load); n != 0 {
		t.Fatalf("%d bytes still counted for the frames of a closed channel", n)
	}
	// The reader goes on: the connection still answers.
	c.send("", "4", "phoenix", "heartbeat", map[string]any{})
	c.expectStatus(c.expectReply("4"), "ok", `{}`)
}
