package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

func TestJoinReplies(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, payload json.RawMessage) (any, error) {
			switch cc.Topic() {
			case "room:open":
				return map[string]json.RawMessage{"echo": payload}, nil
			case "room:nil":
				return nil, nil
			case "room:private":
				return nil, Refuse("unauthorized")
			case "room:custom":
				return nil, &JoinError{Response: map[string]int{"retry_in": 5}}
			case "room:failing":
				return nil, errors.New("database down")
			case "room:panicking":
				panic("boom")
			}
			return nil, nil
		}
	})
	tests := []struct {
		name, topic, status, response string
	}{
		{"A join is answered with the response Join returns.", "room:open", "ok", `{"echo":{"a":1}}`},
		{"A nil response is sent as an empty object.", "room:nil", "ok", `{}`},
		{"Refuse sends its reason.", "room:private", "error", `{"reason":"unauthorized"}`},
		{"A JoinError sends its response.", "room:custom", "error", `{"retry_in":5}`},
		{"Any other error hides its text.", "room:failing", "error", `{"reason":"join crashed"}`},
		{"A panic in Join is a join crash.", "room:panicking", "error", `{"reason":"join crashed"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := s.dial(t, "1")
			m := c.join(tt.topic, "3", map[string]int{"a": 1})
			if m.JoinRef != "3" || m.Topic != tt.topic {
				t.Errorf("reply frame %s", m.Raw)
			}
			c.expectStatus(m, tt.status, tt.response)
			// The socket is still usable.
			c.send("", "h", "phoenix", "heartbeat", map[string]any{})
			c.expectReply("h")
		})
	}
}

func TestHandleInReplies(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var later []string // refs to answer on "flush"
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			switch ev.Name {
			case "ok":
				return ReplyOK(map[string]string{"got": ev.Name}), nil
			case "error":
				return ReplyReason("nope"), nil
			case "later":
				mu.Lock()
				later = append(later, ev.Ref)
				mu.Unlock()
				return NoReply, nil
			case "flush":
				mu.Lock()
				defer mu.Unlock()
				for _, ref := range later {
					if err := cc.Reply(ref, ReplyOK(map[string]string{"late": ref})); err != nil {
						return NoReply, err
					}
				}
				return NoReply, nil
			case "none":
				return NoReply, nil
			}
			return ReplyOK(nil), nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)

	c.send("1", "2", "room:1", "ok", nil)
	m := c.expectReply("2")
	if m.JoinRef != "1" {
		t.Errorf("reply join_ref %q, want 1", m.JoinRef)
	}
	c.expectStatus(m, "ok", `{"got":"ok"}`)

	c.send("1", "3", "room:1", "error", nil)
	c.expectStatus(c.expectReply("3"), "error", `{"reason":"nope"}`)

	c.send("1", "4", "room:1", "none", nil)
	c.send("1", "5", "room:1", "later", nil)
	c.send("1", "6", "room:1", "flush", nil)
	c.expectStatus(c.expectReply("5"), "ok", `{"late":"5"}`)
	c.expectNothing(50 * time.Millisecond)
}

func TestPushesFromJoinFollowTheReply(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			return nil, cc.Push("welcome", map[string]string{"to": cc.Topic()})
		}
	})
	c := s.dial(t, "1")
	c.expectStatus(c.join("room:1", "1", nil), "ok", `{}`)
	if m := c.read(); string(m.Raw) != `["1",null,"room:1","welcome",{"to":"room:1"}]` {
		t.Fatalf("push %s", m.Raw)
	}
}

func TestBroadcasts(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.handleIn = func(ctx context.Context, cc *Conn, ev Message) (Reply, error) {
			var err error
			if ev.Name == "all" {
				err = cc.Broadcast(ctx, "said", map[string]string{"by": ch.user.ID})
			} else {
				err = cc.BroadcastFrom(ctx, "said", map[string]string{"by": ch.user.ID})
			}
			return ReplyOK(nil), err
		}
	})
	alice, bob, other := s.dial(t, "alice"), s.dial(t, "bob"), s.dial(t, "other")
	alice.join("room:1", "1", nil)
	bob.join("room:1", "1", nil)
	other.join("room:2", "1", nil)

	alice.send("1", "2", "room:1", "all", nil)
	// The channel's goroutine writes the reply, then the broadcast it finds
	// in its mailbox.
	alice.expectReply("2")
	a := alice.read()
	b := bob.read()
	want := `[null,null,"room:1","said",{"by":"alice"}]`
	if string(a.Raw) != want || string(b.Raw) != want {
		t.Fatalf("broadcast frames %s and %s, want %s", a.Raw, b.Raw, want)
	}

	alice.send("1", "3", "room:1", "others", nil)
	alice.expectReply("3")
	if m := bob.read(); string(m.Raw) != want {
		t.Fatalf("broadcast from: %s", m.Raw)
	}
	alice.expectNothing(50 * time.Millisecond)
	other.expectNothing(10 * time.Millisecond)
}

// tick is a typed PubSub message for HandleInfo.
type tick struct{ N int }

func TestHandleInfoOnSubscribedTopics(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	s := startSocket(t, SocketOptions[*testUser]{PubSub: ps}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			return nil, cc.Subscribe("ticks")
		}
		ch.info = func(_ context.Context, cc *Conn, msg any) error {
			switch msg := msg.(type) {
			case tick:
				return cc.Push("tick", msg)
			case string:
				if msg == "unsubscribe" {
					if err := cc.Unsubscribe("ticks"); err != nil {
						return err
					}
					return cc.Push("unsubscribed", nil)
				}
			}
			return nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	ps.Broadcast(t.Context(), "ticks", tick{N: 1})
	if m := c.read(); string(m.Raw) != `["1",null,"room:1","tick",{"N":1}]` {
		t.Fatalf("tick push %s", m.Raw)
	}
	// A plain value on the channel's own topic goes to HandleInfo too.
	ps.Broadcast(t.Context(), "room:1", "unsubscribe")
	if m := c.read(); m.Event != "unsubscribed" {
		t.Fatalf("want unsubscribed, got %s", m.Raw)
	}
	ps.Broadcast(t.Context(), "ticks", tick{N: 2})
	c.expectNothing(50 * time.Millisecond)
}

func TestLeave(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "phx_leave", map[string]any{})
	c.expectStatus(c.expectReply("2"), "ok", `{}`)
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrLeft) {
		t.Fatalf("Terminate reason %v, want ErrLeft", r)
	}
	c.send("1", "3", "room:1", "new_msg", nil)
	c.expectStatus(c.expectReply("3"), "error", `{"reason":"unmatched topic"}`)
}

func TestTerminateOnConnectionClose(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.ws.Close()
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrClosed) {
		t.Fatalf("Terminate reason %v, want ErrClosed", r)
	}
}

func TestCrashes(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 4)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, _ *Conn, ev Message) (Reply, error) {
			switch ev.Name {
			case "panic":
				panic("kaboom")
			case "fail":
				return NoReply, errors.New("broken invariant")
			}
			return ReplyOK(nil), nil
		}
		ch.terminate = func(r error) { reasons <- r }
	})
	for _, event := range []string{"panic", "fail"} {
		t.Run("A "+event+" in HandleIn crashes only its channel.", func(t *testing.T) {
			c := s.dial(t, "1")
			c.join("room:crash", "1", nil)
			c.join("room:calm", "2", nil)
			c.send("1", "3", "room:crash", event, nil)
			m := c.read()
			if string(m.Raw) != `["1","1","room:crash","phx_error",{"reason":"channel_crash"}]` {
				t.Fatalf("crash frame %s", m.Raw)
			}
			if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrChannelCrashed) {
				t.Fatalf("Terminate reason %v", r)
			}
			c.send("2", "4", "room:calm", "hello", nil)
			c.expectStatus(c.expectReply("4"), "ok", `{}`)
			// The client rejoins, as the phoenix client does after phx_error.
			c.expectStatus(c.join("room:crash", "5", nil), "ok", `{"user":"1"}`)
			c.ws.Close()
			waitFor(t, reasons, "Terminate")
			waitFor(t, reasons, "Terminate")
		})
	}
	if logs := s.logs.String(); !strings.Contains(logs, "topic=room:crash") || !strings.Contains(logs, "kaboom") {
		t.Errorf("crash not logged with its topic:\n%s", logs)
	}
}

// A Channel that runs code of its own users names what failed with a
// CrashError of its own; the channel keeps it rather than wrapping it in
// one that names the channel's callback.
func TestACrashErrorAChannelReturnsIsKept(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 1)
	own := &CrashError{Op: `HandleEvent "save"`, Err: errors.New("disk full")}
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.handleIn = func(context.Context, *Conn, Message) (Reply, error) { return NoReply, own }
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:a", "1", nil)
	c.send("1", "2", "room:a", "event", nil)
	if r := waitFor(t, reasons, "Terminate"); r != own {
		t.Errorf("Terminate got %v, want the channel's own %v", r, own)
	}
	if logs := s.logs.String(); !strings.Contains(logs, `op="HandleEvent \"save\"" err="disk full"`) {
		t.Errorf("the crash is not logged with the channel's own op:\n%s", logs)
	}
}

// A Channel whose Join succeeded may hold what it set up (a timer, a
// task): when the channel then cannot start, it is told it ended.
func TestAChannelThatJoinedButCannotStartIsTerminated(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{PubSub: ps}, func(ch *testChannel) {
		ch.join = func(context.Context, *Conn, json.RawMessage) (any, error) {
			ps.Close() // the channel's subscription to its topic fails
			return nil, nil
		}
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.expectStatus(c.join("room:a", "1", nil), "error", `{"reason":"join crashed"}`)
	r := waitFor(t, reasons, "Terminate")
	if ce, ok := errors.AsType[*CrashError](r); !ok || ce.Op != "Join" || !errors.Is(r, pubsub.ErrClosed) {
		t.Errorf("Terminate got %v, want a crash of Join for the closed PubSub", r)
	}
}

func TestDuplicateJoinClosesTheOldChannel(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 2)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("5", "5", "room:1", "phx_join", map[string]any{})
	if m := c.read(); string(m.Raw) != `["1","1","room:1","phx_close",{}]` {
		t.Fatalf("want phx_close of the old join, got %s", m.Raw)
	}
	c.expectStatus(c.expectReply("5"), "ok", `{"user":"1"}`)
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrLeft) {
		t.Fatalf("Terminate reason %v, want ErrLeft", r)
	}
}

func TestStaleJoinRefsAreDropped(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("2", "2", "room:1", "phx_join", map[string]any{})
	c.read() // phx_close of join 1
	c.expectReply("2")

	c.send("1", "3", "room:1", "echo", map[string]int{"stale": 1})
	c.send("1", "4", "room:1", "phx_leave", nil)
	c.send("2", "5", "room:1", "echo", map[string]int{"fresh": 1})
	m := c.expectReply("5")
	c.expectStatus(m, "ok", `{"fresh":1}`)
}

func TestServerClose(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			cc.Close()
			return ReplyOK(nil), nil
		}
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "bye", nil)
	c.expectReply("2")
	if m := c.read(); string(m.Raw) != `["1","1","room:1","phx_close",{}]` {
		t.Fatalf("want phx_close, got %s", m.Raw)
	}
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrClosed) {
		t.Fatalf("Terminate reason %v, want ErrClosed", r)
	}
}

func TestMailboxOverflowCrashesTheChannel(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	blocked, release := make(chan struct{}), make(chan struct{})
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{PubSub: ps, Limits: Limits{MailboxSize: 2}}, func(ch *testChannel) {
		ch.handleIn = func(context.Context, *Conn, Message) (Reply, error) {
			close(blocked)
			<-release
			return NoReply, nil
		}
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "block", nil)
	<-blocked
	for i := range 5 {
		ps.Broadcast(t.Context(), "room:1", tick{N: i})
	}
	close(release)
	for {
		m := c.read()
		if m.Event == "phx_error" {
			break
		}
	}
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrMailboxOverflow) {
		t.Fatalf("Terminate reason %v, want ErrMailboxOverflow", r)
	}
}

// lagChannel is a testChannel that catches up after an overflow: it
// pushes each tick it handles as "info" and each Lagged as "lagged".
type lagChannel struct {
	*testChannel
}

func (ch *lagChannel) HandleInfo(_ context.Context, msg pubsub.Message) error {
	return ch.cc.Push("info", msg.Payload)
}

func (ch *lagChannel) Lagged(_ context.Context, dropped uint64) error {
	return ch.cc.Push("lagged", map[string]uint64{"dropped": dropped})
}

func TestALaggerCatchesUpAfterAnOverflowInsteadOfCrashing(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.Close() })
	blocked, release := make(chan struct{}), make(chan struct{})
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{PubSub: ps, Limits: Limits{MailboxSize: 2}}, nil)
	s.sock.Channel("lag:*", func(cc *Conn, u *testUser) Channel {
		ch := &lagChannel{&testChannel{cc: cc, user: u}}
		ch.handleIn = func(context.Context, *Conn, Message) (Reply, error) {
			close(blocked)
			<-release
			return NoReply, nil
		}
		ch.terminate = func(r error) { reasons <- r }
		return ch
	})
	c := s.dial(t, "1")
	c.join("lag:1", "1", nil)
	c.send("1", "2", "lag:1", "block", nil)
	<-blocked
	const burst = 5
	for i := range burst {
		ps.Broadcast(t.Context(), "lag:1", tick{N: i})
	}
	close(release)

	// Every tick is either handled, in order, or counted as dropped.
	handled := 0
	for {
		m := c.read()
		if m.Event == "phx_error" {
			t.Fatalf("the channel crashed: %s", m.Raw)
		}
		if m.Event == "info" {
			if want := fmt.Sprintf(`{"N":%d}`, handled); string(m.Payload) != want {
				t.Fatalf("tick %s handled after %d others, want %s", m.Payload, handled, want)
			}
			handled++
			continue
		}
		if m.Event == "lagged" {
			var p struct{ Dropped int }
			json.Unmarshal(m.Payload, &p)
			if handled+p.Dropped != burst {
				t.Fatalf("%d ticks handled and %d dropped, want %d in all", handled, p.Dropped, burst)
			}
			break
		}
	}
	// Messages after the catch-up arrive as before.
	ps.Broadcast(t.Context(), "lag:1", tick{N: 99})
	if m := c.read(); m.Event != "info" || string(m.Payload) != `{"N":99}` {
		t.Fatalf("after Lagged got %s, want the next tick", m.Raw)
	}
	select {
	case r := <-reasons:
		t.Fatalf("the channel ended: %v", r)
	default:
	}
}

// drainChannel counts how many events it handled between Drained calls.
type drainChannel struct {
	cc      *Conn
	handled int
	release chan struct{}
}

func (d *drainChannel) Join(context.Context, json.RawMessage) (any, error) { return nil, nil }

func (d *drainChannel) HandleIn(_ context.Context, ev Message) (Reply, error) {
	if ev.Name == "wait" {
		<-d.release
	}
	d.handled++
	return NoReply, nil
}

func (d *drainChannel) Drained(context.Context) error {
	d.cc.Push("drained", map[string]int{"handled": d.handled})
	d.handled = 0
	return nil
}

func TestDrainedRunsOncePerBurst(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	s.sock.Channel("burst:*", func(cc *Conn, _ *testUser) Channel {
		return &drainChannel{cc: cc, release: release}
	})
	c := s.dial(t, "1")
	c.join("burst:1", "1", nil)
	c.send("1", "2", "burst:1", "wait", nil)
	for i := range 5 {
		c.send("1", string(rune('a'+i)), "burst:1", "ev", nil)
	}
	// Let the five events queue up behind the blocked one.
	time.Sleep(50 * time.Millisecond)
	close(release)
	if m := c.read(); m.Event != "drained" || string(m.Payload) != `{"handled":6}` {
		t.Fatalf("want one Drained push after 6 events, got %s", m.Raw)
	}
}

// censorChannel intercepts "said" broadcasts and hides them from user
// "kid".
type censorChannel struct {
	testChannel
}

func (c *censorChannel) Intercepts() []string { return []string{"said"} }

func (c *censorChannel) HandleOut(_ context.Context, b *Broadcast) error {
	if c.user.ID == "kid" {
		return c.cc.Push(b.Event, map[string]string{"body": "***"})
	}
	return c.cc.Push(b.Event, b.Payload)
}

func TestInterceptedBroadcasts(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	s.sock.Channel("censored:*", func(cc *Conn, u *testUser) Channel {
		return &censorChannel{testChannel{cc: cc, user: u}}
	})
	adult, kid := s.dial(t, "adult"), s.dial(t, "kid")
	adult.join("censored:1", "1", nil)
	kid.join("censored:1", "1", nil)
	if err := s.sock.Broadcast(t.Context(), "censored:1", "said", map[string]string{"body": "darn"}); err != nil {
		t.Fatal(err)
	}
	if m := adult.read(); string(m.Raw) != `["1",null,"censored:1","said",{"body":"darn"}]` {
		t.Errorf("adult got %s", m.Raw)
	}
	if m := kid.read(); string(m.Raw) != `["1",null,"censored:1","said",{"body":"***"}]` {
		t.Errorf("kid got %s", m.Raw)
	}
	// Events not intercepted take the fast lane.
	s.sock.Broadcast(t.Context(), "censored:1", "other", nil)
	if m := kid.read(); string(m.Raw) != `[null,null,"censored:1","other",{}]` {
		t.Errorf("kid got %s", m.Raw)
	}
}

func TestChannelConnDescribesItsJoin(t *testing.T) {
	t.Parallel()
	var s *testServer
	s = startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			return map[string]any{
				"join_ref":  cc.JoinRef(),
				"socket_id": cc.SocketID(),
				"param":     cc.ConnectInfo().Params.Get("user"),
				"mailbox":   cc.Mailbox() != nil,
				"pubsub":    cc.PubSub() == s.sock.PubSub(),
				"logger":    cc.Logger() != nil,
			}, nil
		}
	})
	c := s.dial(t, "9")
	c.expectStatus(c.join("room:1", "7", nil), "ok",
		`{"join_ref":"7","logger":true,"mailbox":true,"param":"9","pubsub":true,"socket_id":"user_socket:9"}`)
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	s.sock.Channel("exact", func(cc *Conn, u *testUser) Channel {
		return &testChannel{cc: cc, user: &testUser{ID: "exact"}}
	})
	tests := []struct {
		name, topic, status, response string
	}{
		{"A prefix pattern matches its topics.", "room:42", "ok", `{"user":"1"}`},
		{"A prefix pattern matches the bare prefix.", "room:", "ok", `{"user":"1"}`},
		{"An exact pattern matches its topic.", "exact", "ok", `{"user":"exact"}`},
		{"An exact pattern does not match longer topics.", "exactly", "error", `{"reason":"unmatched topic"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := s.dial(t, "1")
			c.expectStatus(c.join(tt.topic, "1", nil), tt.status, tt.response)
		})
	}
}

func TestBinaryBroadcast(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	if err := s.sock.Broadcast(t.Context(), "room:1", "blob", Binary{1, 2}); err != nil {
		t.Fatal(err)
	}
	want, _ := encodeBinary(kindBroadcast, []string{"room:1", "blob"}, []byte{1, 2})
	if m := c.read(); !m.Binary || string(m.Raw) != string(want) {
		t.Fatalf("binary broadcast %q, want %q", m.Raw, want)
	}
}

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
	clients := make(chan *Conn, 1)
	var calls atomic.Int32
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		clients <- ch.cc
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
	cc := waitFor(t, clients, "the channel")
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
	clients := make(chan *Conn, 1)
	// A queue that holds the whole burst, so that it never empties before
	// the last event: only the bound makes Drained run in between.
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{ChannelQueue: 2 * queued}}, nil)
	s.sock.Channel("burst:*", func(cc *Conn, _ *testUser) Channel {
		clients <- cc
		return &drainChannel{cc: cc, release: release}
	})
	c := s.dial(t, "1")
	c.join("burst:1", "1", nil)
	cc := waitFor(t, clients, "the channel")
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

// TestAPushFromAnotherGoroutineNeverOvertakesTheJoinReply joins many
// channels whose Join starts a goroutine that pushes at once: the client
// must see each join's reply before any push of its channel.
func TestAPushFromAnotherGoroutineNeverOvertakesTheJoinReply(t *testing.T) {
	t.Parallel()
	const (
		joins  = 50
		pushes = 50
	)
	pad := strings.Repeat("x", 32<<10)
	var pushers sync.WaitGroup
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.join = func(_ context.Context, cc *Conn, _ json.RawMessage) (any, error) {
			started := make(chan struct{})
			pushers.Go(func() {
				close(started)
				for i := range pushes {
					if err := cc.Push("tick", i); err != nil {
						t.Errorf("push %d on %s: %v", i, cc.Topic(), err)
						return
					}
				}
			})
			<-started // the pushes race the end of Join
			// A large reply takes a while to encode: a push has time to
			// slip in before it, if anything lets it.
			return map[string]string{"pad": pad}, nil
		}
	})
	t.Cleanup(pushers.Wait)
	c := s.dial(t, "1")
	for i := range joins {
		topic, ref := fmt.Sprintf("room:%d", i), fmt.Sprint(i)
		c.send(ref, ref, topic, "phx_join", map[string]any{})
		replied, ticks := false, 0
		for !replied || ticks < pushes {
			m := c.read()
			switch {
			case m.Topic != topic:
				t.Fatalf("join %d: a frame of another topic: %s", i, m.Raw)
			case m.Event == "phx_reply" && m.Ref == ref:
				if status, _ := m.status(); status != "ok" {
					t.Fatalf("join %d: %s", i, m.Raw)
				}
				replied = true
			case m.Event == "tick" && !replied:
				t.Fatalf("join %d: a push overtook the join reply: %s", i, m.Raw)
			case m.Event == "tick":
				ticks++
			default:
				t.Fatalf("join %d: %s", i, m.Raw)
			}
		}
		leaveRef := ref + "-leave"
		c.send(ref, leaveRef, topic, "phx_leave", map[string]any{})
		c.expectStatus(c.expectReply(leaveRef), "ok", `{}`)
	}
}
