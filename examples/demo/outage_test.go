package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/tcpproxy"
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
	"github.com/templive/templive/pubsub/redis"
)

// TestChatGoesOnWhileTheBrokerIsDown serves the demo on Redis through a
// proxy and cuts the link: a message said in a room, from a live view or a
// Channels client, still reaches the room on this node, and its sender
// does not crash. A failed publish used to be returned to the handler,
// which crashed the view or the channel for every message.
func TestChatGoesOnWhileTheBrokerIsDown(t *testing.T) {
	t.Parallel()
	proxy, err := tcpproxy.Start(testRedisAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { proxy.Close() })
	discard := slog.New(slog.DiscardHandler)
	adapter := redis.New(redis.Options{Addr: proxy.Addr(), Channel: "templive-test:" + rand.Text(), Logger: discard})
	a, err := newApp(config{dev: true, cluster: clusterConfig{adapter: adapter}}, discard)
	if err != nil {
		t.Fatalf("start the demo on Redis at %s (is redis-server running?): %v", testRedisAddr, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		a.close()
	})
	ada := signedIn(t, a, "ada").Live("/rooms/1")
	ts := httptest.NewServer(a.mux)
	t.Cleanup(ts.Close)
	bob := joinLobby(t, ts.URL, "bob")
	proxy.Cut()

	if err := ada.TryEvent(live.EventSubmit, "say", url.Values{"body": {"still here"}}); err != nil {
		t.Fatalf("saying something while Redis is cut off: %v", err)
	}
	ada.SyncUntil("ada's message shows", func() bool {
		return strings.Contains(ada.Text("#messages"), "still here")
	})

	bob.push("new_msg", map[string]string{"body": "me too"})
	bob.expect("new_msg", "me too")
}

// lobbyClient is a Channels client of the demo joined to room:lobby.
type lobbyClient struct {
	t   *testing.T
	ws  *websocket.Conn
	ref int
}

// joinLobby connects to the demo at base as user and joins room:lobby.
func joinLobby(t *testing.T, base, user string) *lobbyClient {
	t.Helper()
	resp, err := http.Get(base + "/dev/token?user=" + user)
	if err != nil {
		t.Fatal(err)
	}
	token, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/socket/websocket?vsn=2.0.0&token="+string(token),
		http.Header{"Origin": {base}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &lobbyClient{t: t, ws: ws}
	c.push("phx_join", map[string]any{})
	c.expect("phx_reply", `"ok"`)
	return c
}

func (c *lobbyClient) push(event string, payload any) {
	c.t.Helper()
	c.ref++
	p, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	frame := wire.Frame{JoinRef: "1", Ref: strconv.Itoa(c.ref), Topic: "room:lobby", Event: event, Payload: p}.AppendJSON(nil)
	if err := c.ws.WriteMessage(websocket.TextMessage, frame); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads frames until one of event on the lobby whose payload holds
// want; a phx_error or phx_close fails the test.
func (c *lobbyClient) expect(event, want string) {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("waiting for %s with %s: %v", event, want, err)
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			c.t.Fatalf("waiting for %s with %s: %v", event, want, err)
		}
		if f.Topic != "room:lobby" {
			continue
		}
		if f.Event == wire.ServerError || f.Event == wire.ServerClose {
			c.t.Fatalf("the channel ended (%s) while waiting for %s: %s", f.Event, event, data)
		}
		if f.Event == event && strings.Contains(string(f.Payload), want) {
			return
		}
	}
}
