package live_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// TestLiveViewsOverLongPoll drives views over the long-poll transport:
// events, PubSub messages, patches, a crash and its rejoin behave as over
// a WebSocket.
func TestLiveViewsOverLongPoll(t *testing.T) {
	t.Parallel()
	srv, ps := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	c.LongPoll()
	v := c.Live("/counter?start=1")
	v.Click("#inc")
	v.Click("#inc")
	if got := v.Text("#count"); got != "3" {
		t.Fatalf("count = %q, want 3", got)
	}
	if err := ps.Broadcast(t.Context(), "counter", 5); err != nil {
		t.Fatal(err)
	}
	v.Sync("")
	if got := v.Text("#count"); got != "8" {
		t.Fatalf("after a broadcast count = %q, want 8", got)
	}
	v.Event(live.EventClick, "patch", nil)
	if got := v.Text("#count"); got != "42" {
		t.Fatalf("after a patch count = %q, want 42", got)
	}
	other := c.Live("/other?start=1")
	if err := v.TryEvent(live.EventClick, "crash", nil); err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Fatalf("crash reported as %v", err)
	}
	v.Rejoin()
	if got := v.Text("#count"); got != "42" {
		t.Fatalf("after the rejoin count = %q, want 42", got)
	}
	other.Click("#inc")
	if got := other.Text("#count"); got != "2" {
		t.Fatalf("the other view: count = %q, want 2", got)
	}
}

// TestUploadOverLongPoll sends a file's chunks as binary frames, which
// long-poll carries in base64.
func TestUploadOverLongPoll(t *testing.T) {
	t.Parallel()
	srv, dir := newPhotos(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	c.LongPoll()
	v := c.Live("/counter")
	content := image(200 << 10)
	in := v.FileInput("photos", livetest.File{Name: "cat.png", Type: "image/png", Content: content})
	in.Upload("cat.png")
	v.Submit("#f", nil)
	if got := v.Text("#saved"); got != "cat.png" {
		t.Fatalf("saved %q", got)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "cat.png"))
	if err != nil || !bytes.Equal(saved, content) {
		t.Fatalf("the saved file differs (%d bytes, err %v)", len(saved), err)
	}
}

// TestTheLongPollChecksCSRFAndOrigin opens sessions with the checks of
// TestTheSocketChecksCSRFAndOrigin.
func TestTheLongPollChecksCSRFAndOrigin(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	_, _, csrf, cookies := page(t, ts, "/counter")
	tests := []struct {
		name    string
		csrf    string
		origin  string
		cookies []*http.Cookie
		status  int
	}{
		{"a page's own token and cookie open a session", csrf, ts.URL, cookies, http.StatusGone},
		{"a missing CSRF token is refused", "", ts.URL, cookies, http.StatusForbidden},
		{"a forged CSRF token is refused", "forged", ts.URL, cookies, http.StatusForbidden},
		{"a token without its cookie is refused", csrf, ts.URL, nil, http.StatusForbidden},
		{"another origin is refused", csrf, "http://evil.example", cookies, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, ts.URL+"/live/longpoll?vsn=2.0.0&_csrf_token="+url.QueryEscape(tt.csrf), nil)
			req.Header.Set("Origin", tt.origin)
			for _, ck := range tt.cookies {
				req.AddCookie(ck)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var a struct {
				Status int     `json:"status"`
				Token  *string `json:"token"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
				t.Fatal(err)
			}
			if a.Status != tt.status || (a.Token != nil) != (tt.status == http.StatusGone) {
				t.Fatalf("status %d, token %v; want %d", a.Status, a.Token, tt.status)
			}
		})
	}
}
