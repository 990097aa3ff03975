package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/token"
)

// serveBoard serves a fresh demo over loopback and returns it with its
// base URL.
func serveBoard(t testing.TB) (*app, string) {
	t.Helper()
	a := newTestApp(t)
	ts := httptest.NewServer(a.mux)
	t.Cleanup(ts.Close)
	return a, ts.URL
}

// joinBoard connects user to the board topic of a's server at base.
func joinBoard(t testing.TB, a *app, base, user, topic string, binaryCursors bool) *boardClient {
	t.Helper()
	tok, err := token.Sign(a.chans.signer, userSocketSalt, user)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dialBoard(base, tok)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	if err := c.join(topic, binaryCursors); err != nil {
		t.Fatal(err)
	}
	return c
}

// await reads frames until one satisfies ok, and returns it.
func (c *boardClient) await(t testing.TB, what string, ok func(f boardFrame) bool) boardFrame {
	t.Helper()
	for {
		f, err := c.read(10 * time.Second)
		if err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		if ok(f) {
			return f
		}
	}
}

// cursorOf returns user's position in a "cursors" frame.
func (f boardFrame) cursorOf(user string) (boardCursor, bool) {
	i := slices.IndexFunc(f.Cursors, func(c boardCursor) bool { return c.User == user })
	if i < 0 {
		return boardCursor{}, false
	}
	return f.Cursors[i], true
}

func TestBoardRelaysCursorsStrokesAndPresence(t *testing.T) {
	t.Parallel()
	a, base := serveBoard(t)
	ada := joinBoard(t, a, base, "ada", "board:lobby", false)
	bob := joinBoard(t, a, base, "bob", "board:lobby", true)

	// Both are listed, whichever joined first.
	ada.await(t, "bob in ada's presence", func(f boardFrame) bool {
		return f.Event == "presence_diff" && strings.Contains(string(f.Payload), `"bob"`)
	})

	// A binary cursor from ada reaches bob in a binary "cursors" frame.
	if err := ada.cursor(1000, 2000, true); err != nil {
		t.Fatal(err)
	}
	f := bob.await(t, "ada's cursor", func(f boardFrame) bool { _, ok := f.cursorOf("ada"); return ok })
	if c, _ := f.cursorOf("ada"); !f.Binary || c.X != 1000 || c.Y != 2000 {
		t.Fatalf("bob got ada's cursor as %+v (binary frame: %v), want 1000,2000 in a binary frame", c, f.Binary)
	}
	// A JSON cursor from bob reaches ada as JSON, as she asked.
	if err := bob.cursor(65534, 0, false); err != nil {
		t.Fatal(err)
	}
	f = ada.await(t, "bob's cursor", func(f boardFrame) bool { _, ok := f.cursorOf("bob"); return ok })
	if c, _ := f.cursorOf("bob"); f.Binary || c.X != 65534 || c.Y != 0 {
		t.Fatalf("ada got bob's cursor as %+v (binary frame: %v), want 65534,0 as JSON", c, f.Binary)
	}

	// A stroke reaches the other with its author, and not its author.
	if _, err := ada.stroke(7, []uint16{1, 2, 3, 4}); err != nil {
		t.Fatal(err)
	}
	f = bob.await(t, "ada's stroke", func(f boardFrame) bool { return f.Event == "stroke" })
	if s := f.Stroke; s.U != "ada" || s.S != 7 || !slices.Equal(s.P, []uint16{1, 2, 3, 4}) {
		t.Fatalf("bob got stroke %+v, want ada's stroke 7 [1 2 3 4]", s)
	}
	// Ada's next frame is bob's second cursor, not her own stroke or cursor.
	if err := bob.cursor(5, 6, true); err != nil {
		t.Fatal(err)
	}
	f = ada.await(t, "a frame after the stroke", func(f boardFrame) bool { return f.Event == "stroke" || f.Event == "cursors" })
	if _, mine := f.cursorOf("ada"); f.Event == "stroke" || mine {
		t.Fatalf("ada got her own %s back: %s", f.Event, f.Payload)
	}

	// Bob leaves: ada's presence says so.
	bob.close()
	ada.await(t, "bob leaving", func(f boardFrame) bool {
		if f.Event != "presence_diff" {
			return false
		}
		var d presence.Diff[RoomMeta]
		if err := json.Unmarshal(f.Payload, &d); err != nil {
			t.Fatal(err)
		}
		_, left := d.Leaves["bob"]
		return left
	})
}

func TestBoardRefusesWhatItCannotDraw(t *testing.T) {
	t.Parallel()
	a, base := serveBoard(t)
	tok, err := token.Sign(a.chans.signer, userSocketSalt, "eve")
	if err != nil {
		t.Fatal(err)
	}
	c, err := dialBoard(base, tok)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	if err := c.join("board:Not A Board", false); err == nil || !strings.Contains(err.Error(), "no such board") {
		t.Fatalf("join of an invalid board name: %v, want refused with \"no such board\"", err)
	}
	eve := joinBoard(t, a, base, "eve", "board:lobby", false)
	for _, tc := range []struct {
		name, event string
		payload     any
		reason      string
	}{
		{"a cursor out of range", "cursor", map[string]int{"x": 70000, "y": 1}, "invalid cursor"},
		{"a cursor that is not an object", "cursor", "here", "invalid cursor"},
		{"a stroke with an odd number of coordinates", "stroke", map[string]any{"s": 1, "p": []int{1, 2, 3}}, "invalid stroke"},
		{"a stroke without points", "stroke", map[string]any{"s": 1, "p": []int{}}, "invalid stroke"},
		{"a stroke of too many points", "stroke", map[string]any{"s": 1, "p": make([]int, 2*maxStrokePoints+2)}, "invalid stroke"},
		{"a negative coordinate", "stroke", map[string]any{"s": 1, "p": []int{-1, 2}}, "invalid stroke"},
		{"an unknown event", "erase", map[string]any{}, "unknown event"},
	} {
		ref, err := eve.send(eve.joinRef, eve.topic, tc.event, tc.payload)
		if err != nil {
			t.Fatal(err)
		}
		f := eve.await(t, "the reply to "+tc.name, func(f boardFrame) bool { return f.Event == wire.ServerReply && f.Ref == ref })
		r, err := wire.DecodeReply(f.Payload)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != "error" || !strings.Contains(string(r.Response), tc.reason) {
			t.Errorf("%s: reply %s %s, want error %q", tc.name, r.Status, r.Response, tc.reason)
		}
	}
}

// TestBoardCoalescesCursors sends a burst of 200 positions: the other
// participant gets them merged into a few "cursors" frames, ending on the
// last position.
func TestBoardCoalescesCursors(t *testing.T) {
	t.Parallel()
	a, base := serveBoard(t)
	ada := joinBoard(t, a, base, "ada", "board:lobby", true)
	bob := joinBoard(t, a, base, "bob", "board:lobby", true)
	ada.await(t, "bob in ada's presence", func(f boardFrame) bool {
		return f.Event == "presence_diff" && strings.Contains(string(f.Payload), `"bob"`)
	})
	const moves = 200
	for i := range moves {
		if err := ada.cursor(uint16(i+1), 9, true); err != nil {
			t.Fatal(err)
		}
	}
	frames := 0
	bob.await(t, "ada's last position", func(f boardFrame) bool {
		c, ok := f.cursorOf("ada")
		if ok {
			frames++
		}
		return ok && c.X == moves
	})
	// One frame per boardCursorEvery at most: 200 writes over loopback
	// take a few milliseconds, so a handful of frames.
	if frames > moves/2 {
		t.Errorf("bob got %d cursors frames for %d moves; want them coalesced", frames, moves)
	}
	t.Logf("%d moves arrived in %d frames", moves, frames)
}

func TestBoardPageNeedsASignedInUser(t *testing.T) {
	t.Parallel()
	_, base := serveBoard(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(base + "/board")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "/signin?next=") {
		t.Fatalf("GET /board signed out: %d to %q, want a redirect to the sign-in", res.StatusCode, loc)
	}
}
