package live_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

func TestAnEventLargerThanMaxEventBytesIsRefusedAndTheViewGoesOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  live.Options
		bytes int
		want  string // the refusal, "" if handled
	}{
		{"an event within the default bound is handled", live.Options{}, 60 << 10, ""},
		{"an event past the default 64 KiB is refused", live.Options{}, 100 << 10, "event too large"},
		{"a larger MaxEventBytes lets it through", live.Options{MaxEventBytes: 200 << 10}, 100 << 10, ""},
		{"a smaller MaxEventBytes refuses smaller events", live.Options{MaxEventBytes: 1 << 10}, 2 << 10, "event too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, tt.opts, nil)
			srv.Page("/form", func() live.View { return &form{} })
			v := livetest.Mount(t, srv, "/form")
			big := strings.Repeat("x", tt.bytes)
			err := v.TryEvent(live.EventChange, "validate", url.Values{"email": {big}})
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want a refusal %q", err, tt.want)
			}
			if got := v.Text("#email"); (got == big) != (tt.want == "") {
				t.Fatalf("the view holds %d bytes of the event", len(got))
			}
			v.Change("#f", "email", url.Values{"email": {"ada@example.com"}})
			if got := v.Text("#email"); got != "ada@example.com" {
				t.Fatalf("after the refusal the view shows %q", got)
			}
		})
	}
}

func TestARejoinDoesNotReplayAFormLargerThanAnEvent(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/form", func() live.View { return &form{} })
	v := livetest.Mount(t, srv, "/form")
	big := "email=" + strings.Repeat("x", 100<<10)
	v.RejoinWith(map[string]any{"form": map[string]string{"f": big}})
	if got := v.Text("#email"); got != "" {
		t.Fatalf("a %d-byte form was replayed", len(big))
	}
}

// livePages GETs path n times with one cookie jar, as tabs of one browser
// would, and returns each page's view id and session, and the CSRF token
// and cookies to connect with.
func livePages(t *testing.T, ts *httptest.Server, path string, n int) (ids, sessions []string, csrf string, cookies []*http.Cookie) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	for range n {
		resp, err := hc.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		attr := func(prefix string) string {
			s := string(body)
			i := strings.Index(s, prefix)
			if i < 0 {
				t.Fatalf("page lacks %s", prefix)
			}
			s = s[i+len(prefix):]
			return s[:strings.IndexByte(s, '"')]
		}
		ids = append(ids, attr(`<div id="`))
		sessions = append(sessions, attr(`data-live-session="`))
		csrf = attr(`name="csrf-token" content="`)
	}
	u, _ := url.Parse(ts.URL)
	return ids, sessions, csrf, jar.Cookies(u)
}

// liveSocket is a raw connection to a live socket.
type liveSocket struct {
	t  *testing.T
	ws *websocket.Conn
}

func dialLive(t *testing.T, ts *httptest.Server, csrf string, cookies []*http.Cookie) *liveSocket {
	t.Helper()
	h := http.Header{"Origin": {ts.URL}}
	for _, c := range cookies {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	u := "ws" + strings.TrimPrefix(ts.URL, "http") + "/live/websocket?vsn=2.0.0&_csrf_token=" + url.QueryEscape(csrf)
	ws, _, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return &liveSocket{t: t, ws: ws}
}

// send writes a frame; it reports false once the server closed.
func (s *liveSocket) send(joinRef, ref, topic, event string, payload any) bool {
	b, _ := json.Marshal([]any{joinRef, ref, topic, event, payload})
	return s.ws.WriteMessage(websocket.TextMessage, b) == nil
}

// reply reads frames until the reply to ref, and returns its status and
// its response's reason, if any.
func (s *liveSocket) reply(ref string) (status, reason string) {
	s.t.Helper()
	s.ws.SetReadDeadline(time.Now().Add(livetest.Timeout))
	for {
		_, data, err := s.ws.ReadMessage()
		if err != nil {
			s.t.Fatalf("waiting for the reply to %s: %v", ref, err)
		}
		var f [5]json.RawMessage
		json.Unmarshal(data, &f)
		var event, fref string
		json.Unmarshal(f[3], &event)
		json.Unmarshal(f[1], &fref)
		if event != "phx_reply" || fref != ref {
			continue
		}
		var r struct {
			Status   string
			Response struct{ Reason string }
		}
		json.Unmarshal(f[4], &r)
		return r.Status, r.Response.Reason
	}
}

func TestOneConnectionJoinsAtMostDefaultViewsPerConnection(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	n := live.DefaultViewsPerConnection
	ids, sessions, csrf, cookies := livePages(t, ts, "/counter", n+1)
	s := dialLive(t, ts, csrf, cookies)
	for i := range n + 1 {
		ref := fmt.Sprint(i + 1)
		s.send(ref, ref, "lv:"+ids[i], "phx_join", map[string]string{"session": sessions[i], "url": ts.URL + "/counter"})
		status, reason := s.reply(ref)
		switch {
		case i < n && status != "ok":
			t.Fatalf("view %d of %d refused: %s", i+1, n, reason)
		case i == n && (status != "error" || reason != "too many channels joined"):
			t.Fatalf("view %d joined (%s %q), want a refusal", i+1, status, reason)
		}
	}
}

func TestEventsPastTheConnectionsRateAreRefusedAndTheConnectionStays(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	// A script clicks as fast as the round trips allow: far more than 50 a
	// second, so the burst of 100 runs out.
	handled := 0
	var err error
	for range 1000 {
		if err = v.TryEvent(live.EventClick, "inc", url.Values{"by": {"1"}}); err != nil {
			break
		}
		handled++
	}
	if err == nil || !strings.Contains(err.Error(), "rate limited") {
		t.Fatalf("after %d clicks: %v, want a refusal", handled, err)
	}
	// The burst of 100 is the connection's, and the join took one of it.
	if burst := 2*live.DefaultEventsPerSecond - 1; handled < burst {
		t.Fatalf("refused after %d clicks, within the burst of %d left after the join", handled, burst)
	}
	if got := v.Text("#count"); got != fmt.Sprint(handled) {
		t.Fatalf("count %s after %d clicks handled", got, handled)
	}
	// The connection stays, and the allowance refills.
	time.Sleep(3 * time.Second / live.DefaultEventsPerSecond)
	v.Click("#inc")
	if got := v.Text("#count"); got != fmt.Sprint(handled+1) {
		t.Fatalf("count %s after the allowance refilled", got)
	}
}

func TestANegativeEventsPerSecondLiftsTheLimit(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{EventsPerSecond: -1}, nil)
	v := livetest.Mount(t, srv, "/counter")
	for i := range 3 * live.DefaultEventsPerSecond {
		if err := v.TryEvent(live.EventClick, "inc", url.Values{"by": {"1"}}); err != nil {
			t.Fatalf("click %d: %v", i+1, err)
		}
	}
}

// A join mounts a whole view, so it is charged against the connection's
// event allowance: a script rejoining one view in a loop is refused once
// the burst runs out, rather than mounting as often as frames arrive.
func TestJoinsPastTheConnectionsEventRateAreRefused(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ids, sessions, csrf, cookies := livePages(t, ts, "/counter", 1)
	s := dialLive(t, ts, csrf, cookies)
	before, start := srv.Stats().Mounts, time.Now()
	joined, reason := 0, ""
	// Joins come faster than the allowance refills, however loaded the
	// machine, long before this many.
	for i := range 20 * live.DefaultEventsPerSecond {
		ref := fmt.Sprint(i)
		s.send(ref, ref, "lv:"+ids[0], "phx_join", map[string]string{"session": sessions[0], "url": ts.URL + "/counter"})
		var status string
		if status, reason = s.reply(ref); status != "ok" {
			break
		}
		joined++
	}
	if reason != "rate limited" {
		t.Fatalf("%d joins went through, then %q; want a refusal \"rate limited\"", joined, reason)
	}
	// The burst, and what refilled while the loop ran.
	allowed := 2*live.DefaultEventsPerSecond + int(time.Since(start).Seconds()*live.DefaultEventsPerSecond) + 1
	if mounts := int(srv.Stats().Mounts - before); mounts > allowed {
		t.Fatalf("one connection mounted %d times; the burst is %d", mounts, 2*live.DefaultEventsPerSecond)
	}
	if joined < live.DefaultEventsPerSecond {
		t.Fatalf("refused after %d joins, well within the burst of %d", joined, 2*live.DefaultEventsPerSecond)
	}
}
