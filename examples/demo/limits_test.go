package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/token"
)

// channelsClient is a raw client of the demo's /socket, as the Channels
// page's script is.
type channelsClient struct {
	t      *testing.T
	ws     *websocket.Conn
	frames chan wire.Frame
}

// dialChannels connects to the demo's /socket as user and joins topic.
func dialChannels(t *testing.T, a *app, user, topic string) *channelsClient {
	t.Helper()
	ts := httptest.NewServer(a.mux)
	t.Cleanup(ts.Close)
	tok, err := token.Sign(a.chans.signer, userSocketSalt, user)
	if err != nil {
		t.Fatal(err)
	}
	u := "ws" + strings.TrimPrefix(ts.URL, "http") + "/socket/websocket?vsn=2.0.0&token=" + url.QueryEscape(tok)
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &channelsClient{t: t, ws: ws, frames: make(chan wire.Frame, 4096)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(c.frames)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			f, err := wire.DecodeFrame(data)
			if err != nil {
				t.Errorf("the server sent a malformed frame %s: %v", data, err)
				return
			}
			select {
			case c.frames <- f:
			default: // the test reads what it needs; the rest may go
			}
		}
	}()
	t.Cleanup(func() { ws.Close(); <-done })
	c.push("1", topic, "phx_join", map[string]any{})
	if status, reason := c.reply("1"); status != "ok" {
		t.Fatalf("join %s: %s", topic, reason)
	}
	return c
}

func (c *channelsClient) push(ref, topic, event string, payload any) {
	c.t.Helper()
	p, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	f := wire.Frame{JoinRef: "1", Ref: ref, Topic: topic, Event: event, Payload: p}
	if err := c.ws.WriteMessage(websocket.TextMessage, f.AppendJSON(nil)); err != nil {
		c.t.Fatal(err)
	}
}

// next returns the next frame of event, failing the test on a phx_error.
func (c *channelsClient) next(event string) wire.Frame {
	c.t.Helper()
	timeout := time.After(livetest.Timeout)
	for {
		select {
		case f, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("the connection closed while waiting for %s", event)
			}
			if f.Event == wire.ServerError {
				c.t.Fatalf("the channel crashed: %s", f.Payload)
			}
			if f.Event == event {
				return f
			}
		case <-timeout:
			c.t.Fatalf("no %s within %s", event, livetest.Timeout)
		}
	}
}

// reply returns the status and reason of the reply to ref.
func (c *channelsClient) reply(ref string) (status, reason string) {
	c.t.Helper()
	for {
		f := c.next(wire.ServerReply)
		if f.Ref != ref {
			continue
		}
		r, err := wire.DecodeReply(f.Payload)
		if err != nil {
			c.t.Fatal(err)
		}
		var resp struct {
			Reason string `json:"reason"`
		}
		if err := json.Unmarshal(r.Response, &resp); err != nil {
			c.t.Fatalf("reply %s: %v", f.Payload, err)
		}
		return r.Status, resp.Reason
	}
}

func TestOneUsersChatMessagesPastTheLimitAreRefusedOnEveryPage(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/rooms/1")
	said := 0
	for range 20 {
		ada.Submit("#say", url.Values{"body": {fmt.Sprint("hi ", said)}})
		if ada.Has("#say-error") {
			break
		}
		said++
	}
	if said == 0 || said >= 20 {
		t.Fatalf("%d quick messages went through", said)
	}
	if got := ada.Text("#say-error"); !strings.Contains(got, "too fast") {
		t.Fatalf("problem %q", got)
	}
	if got, _ := ada.Attr("#say-body", "value"); got != fmt.Sprint("hi ", said) {
		t.Fatalf("the refused message's draft is %q", got)
	}
	ada.SyncUntil("the messages that went through", func() bool { return ada.Count("#messages > li") == said })

	// The allowance is the user's, on the Channels page too.
	lobby := dialChannels(t, a, "ada", "room:1")
	lobby.push("2", "room:1", "new_msg", map[string]string{"body": "and here"})
	if status, reason := lobby.reply("2"); status != "error" || reason != "rate limited" {
		t.Fatalf("a Channels message past ada's limit: %s %q", status, reason)
	}
	// Another user's allowance is their own.
	bob := dialChannels(t, a, "bob", "room:1")
	bob.push("2", "room:1", "new_msg", map[string]string{"body": "hello"})
	if f := bob.next("new_msg"); !strings.Contains(string(f.Payload), "hello") {
		t.Fatalf("bob's message: %s", f.Payload)
	}
}

func TestARoomChannelThatFallsBehindGetsAFreshPresenceState(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := dialChannels(t, a, "ada", "room:lobby")
	c.next("presence_state")
	// Bursts of 300 messages the channel does not handle, until one
	// overflows its mailbox.
	overflows := a.ps.Stats().Overflows
	for round := 0; a.ps.Stats().Overflows == overflows; round++ {
		if round == 100 {
			t.Fatal("a hundred bursts of 300 messages overflowed no mailbox")
		}
		for range 300 {
			if err := a.ps.Broadcast(t.Context(), "room:lobby", nudge{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	f := c.next("presence_state")
	if !strings.Contains(string(f.Payload), `"ada"`) {
		t.Fatalf("presence_state after the burst: %s", f.Payload)
	}
	// The channel goes on.
	c.push("3", "room:lobby", "new_msg", map[string]string{"body": "still here"})
	c.next("new_msg")
}

// A live room page tracks its user in the room on every join, as the
// Channels page does: one user's joins share the presence allowance, so a
// script reloading the page in a loop is refused, not tracked each time.
func TestOneUsersRoomJoinsPastThePresenceLimitAreRefused(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada")
	var err error
	joined := 0
	for range 30 {
		if err = ada.TryLive("/rooms/1"); err != nil {
			break
		}
		joined++
	}
	if err == nil || !strings.Contains(err.Error(), "rate limited") {
		t.Fatalf("after %d joins: %v, want a refusal \"rate limited\"", joined, err)
	}
	// Another user's allowance is their own.
	signedIn(t, a, "bob").Live("/rooms/1")
}

// The Channels socket bounds the frames of one connection, which the
// library leaves unlimited by default as Phoenix does: a script flooding
// it is disconnected.
func TestAChannelsConnectionFloodingFramesIsClosed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := dialChannels(t, a, "ada", "room:lobby")
	for i := range 4 * channelFramesPerSecond {
		b, _ := json.Marshal([]any{nil, fmt.Sprint(i + 2), "phoenix", "heartbeat", map[string]any{}})
		if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
			return // closed already
		}
	}
	timeout := time.After(livetest.Timeout)
	for {
		select {
		case _, ok := <-c.frames:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatalf("the connection is open after %d frames sent at once", 4*channelFramesPerSecond)
		}
	}
}
