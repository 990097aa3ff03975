package channel

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/gorilla/websocket"
)

// parkingChannel parks in the slot it is given; a join with {"adopt":true}
// takes what the slot holds.
type parkingChannel struct {
	testChannel
	slot chan *Parked
}

func (ch *parkingChannel) Park(p *Parked) bool {
	ch.slot <- p
	return true
}

func TestALostConnectionParksAChannelThatANewOneAdopts(t *testing.T) {
	t.Parallel()
	slot := make(chan *Parked, 1)
	got := make(chan any, 4)
	ended := make(chan error, 4)
	sock := NewSocket(SocketOptions[*testUser]{
		Connect: func(_ context.Context, info *ConnectInfo) (*testUser, error) { return &testUser{ID: "u"}, nil },
	})
	sock.Channel("room:*", func(cc *Conn, u *testUser) Channel {
		ch := &parkingChannel{testChannel: testChannel{cc: cc, user: u}, slot: slot}
		ch.join = func(ctx context.Context, cc *Conn, payload json.RawMessage) (any, error) {
			var p struct{ Adopt bool }
			json.Unmarshal(payload, &p)
			if p.Adopt {
				return nil, cc.Adopt(<-slot)
			}
			return nil, cc.Subscribe("news")
		}
		ch.info = func(ctx context.Context, cc *Conn, msg any) error {
			got <- msg
			return nil
		}
		ch.terminate = func(reason error) { ended <- reason }
		return ch
	})
	ts := serveSocket(t, sock)

	// Lost: the connection closes without a close frame.
	a := ts.dial(t, "u")
	a.expectStatus(a.join("room:1", "1", map[string]any{}), "ok", "{}")
	a.ws.UnderlyingConn().Close()
	p := waitFor(t, slot, "the channel to park")
	slot <- p
	if err := sock.PubSub().Broadcast(t.Context(), "news", "while parked"); err != nil {
		t.Fatal(err)
	}

	b := ts.dial(t, "u")
	b.expectStatus(b.join("room:1", "1", map[string]any{"adopt": true}), "ok", "{}")
	if msg := waitFor(t, got, "the message sent while parked"); msg != "while parked" {
		t.Fatalf("got %v", msg)
	}
	if err := sock.PubSub().Broadcast(t.Context(), "news", "after"); err != nil {
		t.Fatal(err)
	}
	if msg := waitFor(t, got, "a message after the adoption"); msg != "after" {
		t.Fatalf("got %v", msg)
	}
	select {
	case err := <-ended:
		t.Fatalf("a parked channel terminated: %v", err)
	default:
	}

	// Closed by the client with a close frame: no parking.
	b.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseGoingAway, ""))
	if err := waitFor(t, ended, "the channel to end"); !errors.Is(err, ErrClosed) {
		t.Fatalf("ended with %v", err)
	}
	select {
	case <-slot:
		t.Fatal("parked after a close frame")
	default:
	}
}
