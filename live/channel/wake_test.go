package channel

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"testing"
	"time"
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
