package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/token"
)

// frameClient is a raw Phoenix Channels V2 client of the demo's /socket
// that reads every frame itself, with its size on the wire (unlike
// channelsClient, which keeps the frames it reads in a buffer).
type frameClient struct {
	t   testing.TB
	ws  *websocket.Conn
	ref int
}

// channelFrame is a frame from the server, with its size on the wire.
type channelFrame struct {
	wire.Frame
	size int
}

// dialFrames connects to the /socket of base as user.
func dialFrames(t testing.TB, a *app, base, user string) *frameClient {
	t.Helper()
	tok, err := token.Sign(a.chans.signer, userSocketSalt, user)
	if err != nil {
		t.Fatal(err)
	}
	u := "ws" + strings.TrimPrefix(base, "http") + "/socket/websocket?vsn=2.0.0&token=" + url.QueryEscape(tok)
	ws, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial /socket as %s: %v", user, err)
	}
	t.Cleanup(func() { ws.Close() })
	return &frameClient{t: t, ws: ws}
}

// push sends event on topic with joinRef and returns the push's ref.
func (c *frameClient) push(joinRef, topic, event string, payload any) string {
	c.t.Helper()
	c.ref++
	ref := fmt.Sprint(c.ref)
	if event == "phx_join" {
		joinRef = ref
	}
	p, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	msg := wire.Frame{JoinRef: joinRef, Ref: ref, Topic: topic, Event: event, Payload: p}.AppendJSON(nil)
	if err := c.ws.WriteMessage(websocket.TextMessage, msg); err != nil {
		c.t.Fatalf("write: %v", err)
	}
	return ref
}

// next reads the next frame.
func (c *frameClient) next() (channelFrame, error) {
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return channelFrame{}, err
	}
	f, err := wire.DecodeFrame(data)
	if err != nil {
		return channelFrame{}, err
	}
	return channelFrame{Frame: f, size: len(data)}, nil
}

// reply reads frames until the reply to ref, and returns its status and
// response.
func (c *frameClient) reply(ref string) (status string, response json.RawMessage) {
	c.t.Helper()
	for {
		f, err := c.next()
		if err != nil {
			c.t.Fatalf("waiting for the reply to %s: %v", ref, err)
		}
		if f.Event != wire.ServerReply || f.Ref != ref {
			continue
		}
		r, err := wire.DecodeReply(f.Payload)
		if err != nil {
			c.t.Fatal(err)
		}
		return r.Status, r.Response
	}
}

// join joins topic and returns the join ref.
func (c *frameClient) join(topic string) string {
	c.t.Helper()
	ref := c.push("", topic, "phx_join", map[string]any{})
	if status, resp := c.reply(ref); status != "ok" {
		c.t.Fatalf("join %s: %s %s", topic, status, resp)
	}
	return ref
}

// presenceKeys returns the keys of p with their numbers of metas, as
// "key:n", sorted.
func presenceKeys(p presence.Presences[RoomMeta]) []string {
	var out []string
	for key, pr := range p {
		out = append(out, fmt.Sprintf("%s:%d", key, len(pr.Metas)))
	}
	slices.Sort(out)
	return out
}

// TestAJoinLeaveFloodCostsAListenerFewBytes floods the lobby with 500
// joins and leaves: a listener on the Channels socket gets
// them merged into a few presence_diff pushes, far fewer bytes than one
// push per change, and the list it keeps with them the way the phoenix
// client does (Presences.Sync is its syncDiff) ends right.
func TestAJoinLeaveFloodCostsAListenerFewBytes(t *testing.T) {
	t.Parallel()
	const pairs = 250 // 500 changes
	a := newTestApp(t)
	base := livetest.NewClient(t, a.live, a.mux).URL("")

	listener := dialFrames(t, a, base, "listener")
	listenerRef := listener.push("", "room:lobby", "phx_join", map[string]any{})
	if status, _ := listener.reply(listenerRef); status != "ok" {
		t.Fatal("listener not joined")
	}
	first, err := listener.next()
	if err != nil || first.Event != "presence_state" {
		t.Fatalf("want presence_state, got %s %v", first.Event, err)
	}
	var held presence.Presences[RoomMeta]
	if err := json.Unmarshal(first.Payload, &held); err != nil {
		t.Fatal(err)
	}

	// What one push per change would have cost this listener: every diff
	// the tracker delivered, as RoomChannel pushed it before.
	sub, err := a.ps.Subscribe("room:lobby")
	if err != nil {
		t.Fatal(err)
	}
	var unmerged struct {
		sync.Mutex
		bytes, diffs int
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case m := <-sub.C():
				d, ok := m.Payload.(presence.Diff[RoomMeta])
				if !ok {
					continue
				}
				payload, err := json.Marshal(d)
				if err != nil {
					t.Error(err)
					return
				}
				frame := wire.Frame{JoinRef: listenerRef, Topic: "room:lobby", Event: "presence_diff", Payload: payload}.AppendJSON(nil)
				unmerged.Lock()
				unmerged.bytes += len(frame)
				unmerged.diffs++
				unmerged.Unlock()
			case <-stop:
				return
			}
		}
	})
	defer func() {
		close(stop)
		wg.Wait()
		sub.Close()
	}()

	// The listener reads everything and keeps its list as the phoenix
	// client would.
	type received struct{ pushes, bytes int }
	got := make(chan received, 1)
	var mu sync.Mutex // guards held
	go func() {
		var r received
		defer func() { got <- r }()
		for {
			f, err := listener.next()
			if err != nil {
				return // closed at the end of the test
			}
			if f.Event != "presence_diff" {
				continue
			}
			var d presence.Diff[RoomMeta]
			if err := json.Unmarshal(f.Payload, &d); err != nil {
				t.Errorf("presence_diff %s: %v", f.Payload, err)
				return
			}
			mu.Lock()
			held.Sync(d)
			mu.Unlock()
			r.pushes++
			r.bytes += f.size
		}
	}()

	// Many users, as the demo limits each user's joins (5 pairs each stay
	// within a burst).
	var flooders []*frameClient
	for i := range pairs / 5 {
		flooders = append(flooders, dialFrames(t, a, base, fmt.Sprintf("mallory%d", i)))
	}
	start := time.Now()
	for range 5 {
		for _, f := range flooders {
			joinRef := f.join("room:lobby")
			if status, resp := f.reply(f.push(joinRef, "room:lobby", "phx_leave", map[string]any{})); status != "ok" {
				t.Fatalf("leave refused: %s", resp)
			}
		}
	}
	took := time.Since(start)

	// Once every change has reached the tracker's subscribers, and the
	// last held-back diff its interval later, the listener is alone.
	want := []string{"listener:1"}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		unmerged.Lock()
		diffs := unmerged.diffs
		unmerged.Unlock()
		mu.Lock()
		keys := presenceKeys(held)
		mu.Unlock()
		if diffs >= 2*pairs && slices.Equal(keys, want) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the flood: %d diffs delivered, the listener lists %v, want %v", diffs, keys, want)
		}
	}
	time.Sleep(2 * presenceEvery) // anything still held back arrives
	listener.ws.Close()
	r := <-got
	unmerged.Lock()
	defer unmerged.Unlock()
	ratio := float64(unmerged.bytes) / float64(max(r.bytes, 1))
	t.Logf("%d changes in %s: %d diffs, %d bytes one push per change; %d pushes, %d bytes merged: %.0fx fewer bytes",
		2*pairs, took.Round(time.Millisecond), unmerged.diffs, unmerged.bytes, r.pushes, r.bytes, ratio)
	// At most one push per interval, and a last one after the flood: the
	// figure that does not depend on how fast this machine floods.
	if most := int(took/presenceEvery) + 3; r.pushes > most {
		t.Errorf("%d pushes in %s, more than one every %s", r.pushes, took, presenceEvery)
	}
	// The ratio grows as the flood gets faster: 15x to 125x on a loaded
	// 2-core machine.
	if ratio < 3 {
		t.Errorf("merged pushes cost %d bytes, one per change %d: want far fewer", r.bytes, unmerged.bytes)
	}
	if keys := presenceKeys(held); !slices.Equal(keys, want) {
		t.Fatalf("the listener ends with %v, want %v", keys, want)
	}
}
