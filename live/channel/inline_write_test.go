package channel

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// dialSmallBuffer is dial with a small receive buffer, so that a frame of
// a few megabytes the client does not read keeps the server's write
// waiting on it.
func (s *testServer) dialSmallBuffer(t testing.TB, user string) *wsClient {
	t.Helper()
	d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
		conn, err := net.Dial(network, addr)
		if tc, ok := conn.(*net.TCPConn); ok {
			tc.SetReadBuffer(16 << 10)
		}
		return conn, err
	}}
	ws, resp, err := d.Dial(s.url("user="+user), nil)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	t.Cleanup(func() { ws.Close() })
	return &wsClient{t: t, ws: ws}
}

// waitIdleWriter waits until nobody holds the writer's role of sc.
func waitIdleWriter(t *testing.T, sc *client) {
	t.Helper()
	waitUntil(t, "the writer's role is free", func() bool {
		sc.outMu.Lock()
		defer sc.outMu.Unlock()
		return !sc.writing && len(sc.outQ) == 0
	})
}

// TestAChannelWritingInlineLeavesLaterFramesToAnotherGoroutine has a
// channel's goroutine write a broadcast it forwards, a frame far larger
// than the socket buffers, while another channel of the connection pushes
// one as large from another goroutine: the first goroutine writes its own
// frame and is back at its events, the other frame is written by someone
// else. It used to write until the queue was empty, whoever queued what:
// a busy neighbour kept it from its events for as long as the client took
// to read them.
func TestAChannelWritingInlineLeavesLaterFramesToAnotherGoroutine(t *testing.T) {
	t.Parallel()
	const large = 16 << 20
	lim := Limits{OutboundBytes: 1 << 30, WriteTimeout: time.Minute, SlowClientTimeout: time.Minute, IdleTimeout: time.Minute}
	conns := make(chan *Conn, 2)
	pinged := make(chan struct{}, 1)
	s := startSocket(t, SocketOptions[*testUser]{Limits: lim}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			conns <- cc
			return nil, nil
		}
		ch.handleIn = func(context.Context, *Conn, Message) (Reply, error) {
			pinged <- struct{}{}
			return ReplyOK(nil), nil
		}
	})
	c := s.dialSmallBuffer(t, "1")
	sc := serverClient(t, s)
	c.join("room:a", "1", nil)
	waitFor(t, conns, "room:a")
	c.join("room:b", "2", nil)
	b := waitFor(t, conns, "room:b")
	waitIdleWriter(t, sc)

	big := json.RawMessage(`"` + strings.Repeat("x", large) + `"`)
	if err := s.sock.Broadcast(t.Context(), "room:a", "big", big); err != nil {
		t.Fatal(err)
	}
	c.ws.SetReadDeadline(time.Now().Add(time.Minute))
	_, r, err := c.ws.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	// room:a's goroutine is writing the broadcast: what room:b pushes now
	// is queued after it.
	if _, err := io.ReadFull(r, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	if err := b.Push("big", big); err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	// The client reads nothing more until room:a has handled an event.
	c.send("1", "3", "room:a", "ping", nil)
	waitFor(t, pinged, "room:a to handle an event while room:b's frame is written")

	c.ws.SetReadDeadline(time.Now().Add(time.Minute))
	if _, data, err := c.ws.ReadMessage(); err != nil || !strings.HasPrefix(string(data), `["2",null,"room:b","big",`) {
		t.Fatalf("want room:b's push, got %.60s (%v)", data, err)
	}
	c.expectStatus(c.expectReply("3"), "ok", "{}")
}

// TestAChannelStuckWritingToASlowClientParks has a Parker's goroutine
// write broadcasts inline to a client that does not read, until a write
// waits on it and its mailbox overflows; the client is then found too
// slow. A slow client's
// connection counts as lost: the channel parks, with its mailbox, rather
// than crash on the overflow it was kept from handling by the write.
func TestAChannelStuckWritingToASlowClientParks(t *testing.T) {
	t.Parallel()
	const large = 2 << 20
	ended := make(chan error, 1)
	ts, slot, conns := startParkingRoom(t, Limits{
		OutboundBytes: 1 << 20, MailboxSize: 4,
		WriteTimeout: time.Minute, SlowClientTimeout: time.Minute, IdleTimeout: time.Minute,
	}, ended)
	sock := ts.sock

	c := ts.dialSmallBuffer(t, "u")
	sc := serverClient(t, ts)
	c.join("room:1", "1", nil)
	cc := waitFor(t, conns, "the join")
	waitIdleWriter(t, sc)

	fillUntilStuck(t, ts, sc)
	for i := 0; !cc.mailbox.Lagged(); i++ {
		if err := sock.Broadcast(t.Context(), "room:1", "small", i); err != nil {
			t.Fatal(err)
		}
	}
	// One more large frame takes the queue over OutboundBytes: the
	// client is too slow, and the write in progress is aborted.
	big := json.RawMessage(`"` + strings.Repeat("x", large) + `"`)
	if err := cc.Push("big", big); err == nil {
		t.Fatal("a push over OutboundBytes was queued")
	}
	select {
	case <-slot:
	case err := <-ended:
		t.Fatalf("the channel ended (%v) instead of parking", err)
	case <-time.After(30 * time.Second):
		t.Fatal("timed out waiting for the channel to park")
	}
}

// drainPushChannel pushes from Drained, as a live view renders there.
type drainPushChannel struct {
	cc    *Conn
	joins chan *Conn
}

func (d *drainPushChannel) Join(context.Context, json.RawMessage) (any, error) {
	d.joins <- d.cc
	return nil, nil
}

func (d *drainPushChannel) HandleIn(context.Context, Message) (Reply, error) {
	return ReplyOK(nil), nil
}

func (d *drainPushChannel) Drained(context.Context) error {
	return d.cc.Push("d", nil)
}

// TestEveryFrameArrivesWhoeverWritesIt mixes every way a frame is
// written: replies and Drained's pushes written inline by the channel's
// goroutine, broadcasts it forwards, pushes from other goroutines while
// it is in Drained or not, heartbeat replies. Every frame arrives: none
// is left queued with nobody to write it.
func TestEveryFrameArrivesWhoeverWritesIt(t *testing.T) {
	t.Parallel()
	const (
		events     = 300
		pushers    = 4
		pushes     = 300
		broadcasts = 300
	)
	joins := make(chan *Conn, 1)
	// The broadcasts fit in the mailbox, however far behind the channel.
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{MailboxSize: 2 * broadcasts}}, nil)
	s.sock.Channel("mix:*", func(cc *Conn, _ *testUser) Channel {
		return &drainPushChannel{cc: cc, joins: joins}
	})
	c := s.dial(t, "1")
	c.join("mix:1", "1", nil)
	cc := waitFor(t, joins, "the join")

	var wg sync.WaitGroup
	for range pushers {
		wg.Go(func() {
			for range pushes {
				if err := cc.Push("x", nil); err != nil {
					t.Errorf("push: %v", err)
					return
				}
				runtime.Gosched()
			}
		})
	}
	wg.Go(func() {
		for i := range broadcasts {
			if err := s.sock.Broadcast(t.Context(), "mix:1", "b", i); err != nil {
				t.Errorf("broadcast: %v", err)
				return
			}
			runtime.Gosched()
		}
	})
	wg.Go(func() {
		for i := range events {
			c.send("1", "e"+strconv.Itoa(i), "mix:1", "ev", nil)
			if i%10 == 0 {
				c.send("", "h"+strconv.Itoa(i), "phoenix", "heartbeat", nil)
			}
		}
	})
	counts := map[string]int{}
	complete := func() bool {
		return counts["phx_reply"] == events+events/10 && counts["x"] == pushers*pushes && counts["b"] == broadcasts && counts["d"] > 0
	}
	for !complete() {
		m, err := c.readErr(10 * time.Second)
		if err != nil {
			t.Fatalf("after %v: %v", counts, err)
		}
		counts[m.Event]++
	}
	wg.Wait()
}

// TestParkEndsAWriteStuckOnADeadConnection parks a channel whose
// connection stopped reading while the channel sent it frames: the
// write waiting on it, which may be the channel's own goroutine writing
// inline, is aborted and the channel parks, instead of waiting for the
// write timeout (a minute here). A page that reconnected after a network
// blip resumes its view this way rather than remounting it.
func TestParkEndsAWriteStuckOnADeadConnection(t *testing.T) {
	t.Parallel()
	ts, slot, conns := startParkingRoom(t, Limits{OutboundBytes: 1 << 30, WriteTimeout: time.Minute, SlowClientTimeout: time.Minute, IdleTimeout: time.Minute}, nil)
	c := ts.dialSmallBuffer(t, "u")
	sc := serverClient(t, ts)
	c.join("room:1", "1", nil)
	cc := waitFor(t, conns, "the join")
	fillUntilStuck(t, ts, sc)
	cc.Park()
	waitFor(t, slot, "the channel parked")
}

// startParkingRoom serves a socket whose room:* channels park when their
// connection is lost (into slot) and announce their Conn on conns once
// joined; ended, if not nil, hears how a channel that did not park ended.
func startParkingRoom(t *testing.T, lim Limits, ended chan error) (ts *testServer, slot chan *Parked, conns chan *Conn) {
	slot, conns = make(chan *Parked, 1), make(chan *Conn, 1)
	sock := NewSocket(SocketOptions[*testUser]{
		Connect: func(context.Context, *ConnectInfo) (*testUser, error) { return &testUser{ID: "u"}, nil },
		Limits:  lim,
	})
	sock.Channel("room:*", func(cc *Conn, u *testUser) Channel {
		ch := &parkingChannel{testChannel: testChannel{cc: cc, user: u}, slot: slot}
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			conns <- cc
			return nil, nil
		}
		if ended != nil {
			ch.terminate = func(reason error) { ended <- reason }
		}
		return ch
	})
	return serveSocket(t, sock), slot, conns
}

// TestParkEndsAWriteThatGetsStuckAfterIt parks a channel whose write to a
// dead connection began too recently, when Park is called, to count as
// stuck: as one that begins after Park, on the way of the channel's
// goroutine to its stop, it is aborted once it has waited for long, and
// the channel parks, instead of waiting for the write timeout (a minute
// here), by which time the page that reconnected has given up on
// resuming its view.
func TestParkEndsAWriteThatGetsStuckAfterIt(t *testing.T) {
	t.Parallel()
	ts, slot, conns := startParkingRoom(t, Limits{OutboundBytes: 1 << 30, WriteTimeout: time.Minute, SlowClientTimeout: time.Minute, IdleTimeout: time.Minute}, nil)
	c := ts.dialSmallBuffer(t, "u")
	sc := serverClient(t, ts)
	c.join("room:1", "1", nil)
	cc := waitFor(t, conns, "the join")
	fillUntilStuck(t, ts, sc)
	// As far as Park can tell, the write waiting began just now.
	sc.writeStart.Store(time.Now().UnixNano())
	cc.Park()
	waitFor(t, slot, "the channel parked")
}

// fillUntilStuck broadcasts frames small enough to be written inline on
// room:1 until a write waits on the client, which reads nothing; it
// pauses between them so that the channel's mailbox drains, since an
// overflow would crash the channel.
func fillUntilStuck(t *testing.T, ts *testServer, sc *client) {
	t.Helper()
	frame := json.RawMessage(`"` + strings.Repeat("x", 4<<10) + `"`)
	waitUntil(t, "a write stuck on the client", func() bool {
		if err := ts.sock.Broadcast(t.Context(), "room:1", "chunk", frame); err != nil {
			t.Fatalf("broadcast: %v", err)
		}
		time.Sleep(time.Millisecond)
		return sc.stuckWriting(time.Now())
	})
}
