package channel

import (
	"errors"
	"testing"
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
