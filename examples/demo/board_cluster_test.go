package main

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestBoardAcrossNodes runs two demo processes sharing a real broker:
// participants connected to different nodes see each other listed, and
// each other's cursor and strokes.
func TestBoardAcrossNodes(t *testing.T) {
	bin := buildDemo(t)
	for _, broker := range []struct{ name, addr, url string }{
		{"redis", testRedisAddr, "redis://" + testRedisAddr},
		{"nats", testNATSAddr, "nats://" + testNATSAddr},
	} {
		t.Run(broker.name, func(t *testing.T) {
			needServer(t, broker.addr, broker.name)
			cl := newDemoCluster(t, bin, broker.url)
			a, b := cl.start("a"), cl.start("b")
			ada := joinRemoteBoard(t, a.url, "ada", false)
			bob := joinRemoteBoard(t, b.url, "bob", true)
			ada.await(t, "bob in ada's presence", func(f boardFrame) bool {
				return strings.Contains(string(f.Payload), `"bob"`) && (f.Event == "presence_diff" || f.Event == "presence_state")
			})

			if err := ada.cursor(123, 456, true); err != nil {
				t.Fatal(err)
			}
			f := bob.await(t, "ada's cursor on B", func(f boardFrame) bool { _, ok := f.cursorOf("ada"); return ok })
			if c, _ := f.cursorOf("ada"); c.X != 123 || c.Y != 456 {
				t.Fatalf("bob on B got ada's cursor as %+v, want 123,456", c)
			}
			if _, err := bob.stroke(3, []uint16{10, 20, 30, 40}); err != nil {
				t.Fatal(err)
			}
			f = ada.await(t, "bob's stroke on A", func(f boardFrame) bool { return f.Event == "stroke" })
			if s := f.Stroke; s.U != "bob" || !slices.Equal(s.P, []uint16{10, 20, 30, 40}) {
				t.Fatalf("ada on A got stroke %+v, want bob's [10 20 30 40]", s)
			}
		})
	}
}

// joinRemoteBoard joins board:lobby on the demo node at base as user,
// with a token from the node's /dev/token.
func joinRemoteBoard(t *testing.T, base, user string, binaryCursors bool) *boardClient {
	t.Helper()
	res, err := http.Get(base + "/dev/token?user=" + user)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /dev/token: %d %v", res.StatusCode, err)
	}
	c, err := dialBoard(base, string(tok))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.close)
	if err := c.join("board:lobby", binaryCursors); err != nil {
		t.Fatal(err)
	}
	return c
}
