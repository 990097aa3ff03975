package channel

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
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
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{InboundBytes: bound, IdleTimeout: time.Minute}}, func(ch *testChannel) {
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
	wire := int64(len(bigFrame("1", "2", "room:1", "big", big)))
	// The frames are sent from a goroutine: once the reader waits, they
	// fill the socket buffers and the writes wait too. A heartbeat behind
	// them is answered by the reader only once it has read them all.
	frame := bigFrame("1", "2", "room:1", "big", big)
	sending := make(chan error, 1)
	go func() {
		for range sent {
			if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
				sending <- err
				return
			}
		}
		sending <- c.ws.WriteMessage(websocket.TextMessage, encodeText("", "hb", "phoenix", "heartbeat", []byte("{}")))
	}()
	// The first frame is being handled; the reader queues others behind
	// it until the next would take the queue over the bound.
	waitUntil(t, "the reader has queued what fits", func() bool { return sc.inBytes.Load()+wire > bound })
	if n := sc.inBytes.Load(); n > bound {
		t.Fatalf("%d bytes (%d frames) queued for a busy channel, more than InboundBytes (%d)", n, len(cc.in), bound)
	}
	// The reader waits: it answers nothing while the channel is busy.
	replies := make(chan wireMsg, 1)
	go func() {
		m, _ := c.readErr(time.Minute)
		replies <- m
	}()
	select {
	case m := <-replies:
		t.Fatalf("the reader went on while the channel was busy: %s", m.Raw)
	case <-time.After(200 * time.Millisecond):
	}
	if n := sc.inBytes.Load(); n > bound {
		t.Fatalf("%d bytes queued for a busy channel, more than InboundBytes (%d)", n, bound)
	}
	close(release)
	select {
	case err := <-sending:
		if err != nil {
			t.Fatalf("send: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the frames were never all read")
	}
	select {
	case m := <-replies:
		if m.Event != "phx_reply" || m.Ref != "hb" {
			t.Fatalf("want the heartbeat's reply, got %s", m.Raw)
		}
	case <-time.After(time.Minute):
		t.Fatal("no reply to the heartbeat once the channel was free")
	}
	waitUntil(t, "every event is handled", func() bool { return handled.Load() == sent })
	// A frame is released before its event is handled.
	if n := sc.inBytes.Load(); n != 0 {
		t.Fatalf("%d bytes still counted once every frame was handled", n)
	}
}

// bigFrame is the text frame wsClient.send sends for a string payload.
func bigFrame(joinRef, ref, topic, event, payload string) []byte {
	p, _ := json.Marshal(payload)
	return encodeText(joinRef, ref, topic, event, p)
}

func TestFramesQueuedForAnEndedChannelAreReleased(t *testing.T) {
	t.Parallel()
	const (
		frameSize = 64 << 10
		frames    = 10
	)
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
	wire := int64(len(bigFrame("1", "3", "room:1", "big", big)))
	for range frames {
		c.send("1", "3", "room:1", "big", big)
	}
	// The channel is busy with "close": every big frame waits for it.
	waitUntil(t, "the frames are queued", func() bool { return sc.inBytes.Load() == frames*wire })
	close(release)
	for m := c.read(); m.Event != "phx_close"; m = c.read() {
	}
	waitUntil(t, "the frames of the closed channel are released", func() bool { return sc.inBytes.Load() == 0 })
	// The reader goes on: the connection still answers.
	c.send("", "4", "phoenix", "heartbeat", map[string]any{})
	c.expectStatus(c.expectReply("4"), "ok", `{}`)
}
