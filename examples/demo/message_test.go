package main

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/livetest"
)

func TestAChannelsClientCannotSayAMessageOverTheCap(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	base := livetest.NewClient(t, a.live, a.mux).URL("")
	ada, bob := dialFrames(t, a, base, "ada"), dialFrames(t, a, base, "bob")
	adaRef := ada.join("room:lobby")
	bob.join("room:lobby")

	tests := []struct {
		name     string
		body     string
		status   string
		response string
	}{
		{"A message over the cap is refused with the cap.", strings.Repeat("é", maxMessageChars+1), "error", `{"max_chars":2000,"reason":"message too long"}`},
		{"An empty message is refused.", "   ", "error", `{"max_chars":2000,"reason":"empty message"}`},
	}
	for _, tt := range tests {
		status, resp := ada.reply(ada.push(adaRef, "room:lobby", "new_msg", map[string]string{"body": tt.body}))
		if status != tt.status || string(resp) != tt.response {
			t.Errorf("%s\ngot %s %s, want %s %s", tt.name, status, resp, tt.status, tt.response)
		}
	}
	// A message at the cap goes through; bob sees it, and nothing before.
	atCap := strings.Repeat("é", maxMessageChars)
	ada.push(adaRef, "room:lobby", "new_msg", map[string]string{"body": atCap})
	for {
		f, err := bob.next()
		if err != nil {
			t.Fatal(err)
		}
		if f.Event != "new_msg" {
			continue
		}
		var m struct {
			Body string `json:"body"`
		}
		if err := json.Unmarshal(f.Payload, &m); err != nil {
			t.Fatalf("new_msg %s: %v", f.Payload, err)
		}
		if m.Body != atCap {
			t.Fatalf("bob got a message of %d bytes, want the one at the cap", len(m.Body))
		}
		break
	}
}

func TestARoomViewCannotSayAMessageOverTheCap(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/rooms/1")
	bob := signedIn(t, a, "bob").Live("/rooms/1")

	ada.Submit("#say", url.Values{"body": {strings.Repeat("x", maxMessageChars+1)}})
	if got := ada.Text("#say-error"); got != "A message has at most 2000 characters." {
		t.Fatalf("form error %q", got)
	}
	if v, _ := ada.Attr("#say-body", "value"); len(v) != maxMessageChars {
		t.Fatalf("the draft kept is %d characters, want it cut to %d", len(v), maxMessageChars)
	}
	ada.Submit("#say", url.Values{"body": {"hello"}})
	for _, v := range []*livetest.View{ada, bob} {
		v.SyncUntil("the message arrives", func() bool { return v.Count("#messages > li") == 1 })
		if got := v.Text("#messages > li"); !strings.Contains(got, "hello") {
			t.Fatalf("message %q: the one over the cap was said", got)
		}
	}
	if ada.Has("#say-error") {
		t.Fatal("the form error stays after a message was said")
	}
}

func TestARoomViewShowsNoMessageOverTheCapFromElsewhere(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/rooms/1")
	// As a node running other code, or a client of the PubSub, might send.
	for _, body := range []string{strings.Repeat("x", maxMessageChars+1), "fine"} {
		b, err := channel.NewBroadcast("room:1", "new_msg", map[string]string{"body": body, "user_id": "eve"})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.ps.Broadcast(t.Context(), "room:1", b); err != nil {
			t.Fatal(err)
		}
	}
	ada.SyncUntil("the message at most the cap arrives", func() bool { return ada.Count("#messages > li") > 0 })
	if got := ada.Texts("#messages > li"); len(got) != 1 || !strings.Contains(got[0], "fine") {
		t.Fatalf("messages shown: %d, want only the one within the cap", len(got))
	}
}
