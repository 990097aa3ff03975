package live_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/websocket"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// counter is the view most lifecycle tests drive.
type counter struct {
	n       int
	renders *atomic.Int64
	gate    chan struct{} // when set, the first info message waits on it
	ended   chan error
}

func (c *counter) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if v := params.Get("start"); v != "" {
		fmt.Sscan(v, &c.n)
	}
	if params.Get("fail") != "" {
		return errors.New("mount refused")
	}
	if s.Connected() {
		return s.Subscribe("counter")
	}
	return nil
}

func (c *counter) HandleParams(ctx context.Context, s *live.Socket, params url.Values) error {
	if v := params.Get("start"); v != "" {
		fmt.Sscan(v, &c.n)
	}
	return nil
}

func (c *counter) Render() templ.Component {
	if c.renders != nil {
		c.renders.Add(1)
	}
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		s := live.SocketFrom(ctx)
		_, err := fmt.Fprintf(w, `<p id="count">%d</p><p id="flash">%s</p><button id="inc" live-click="inc" live-value-by="1">+</button><button id="crash" live-click="crash">!</button>`,
			c.n, templ.EscapeString(s.Flash("info")))
		return err
	})
}

func (c *counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		var by int
		fmt.Sscan(ev.Value("by"), &by)
		c.n += by
	case "crash":
		panic("boom")
	case "fail":
		return errors.New("event failed")
	case "redirect":
		s.PutFlash("info", "redirected")
		s.Redirect("/other?start=3")
	case "navigate":
		s.PutFlash("info", "navigated")
		s.PushNavigate("/other?start=7")
	case "patch":
		s.PushPatch("/counter?start=42")
	case "title":
		s.SetTitle(ev.Value("title"))
	case "push":
		s.PushEvent("highlight", map[string]int{"n": c.n})
	case "hook":
		var p struct{ Add int }
		if err := ev.Decode(&p); err != nil {
			return err
		}
		c.n += p.Add
		s.Reply(map[string]int{"n": c.n})
	}
	return nil
}

func (c *counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if c.gate != nil {
		<-c.gate
		c.gate = nil
	}
	switch m := msg.(type) {
	case int:
		c.n += m
	case string:
		s.SendAfter(time.Millisecond, len(m))
	}
	return nil
}

func (c *counter) Terminate(reason error) {
	if c.ended != nil {
		select {
		case c.ended <- reason:
		default:
		}
	}
}

// newServer returns a live server with the counter at /counter and
// /other, and its PubSub.
func newServer(t testing.TB, opts live.Options, newView func() live.View) (*live.Server, *pubsub.PubSub) {
	t.Helper()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	opts.PubSub = ps
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.Secret = []byte(strings.Repeat("s", 32))
	srv := live.NewServer(opts)
	if newView == nil {
		newView = func() live.View { return &counter{} }
	}
	srv.Page("/counter", newView)
	srv.Page("/other", newView)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		ps.Close()
	})
	return srv, ps
}

func TestFirstRenderIsACompletePageWithoutJS(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	p := c.Get("/counter?start=3")
	if p.Status != http.StatusOK || !p.Live() {
		t.Fatalf("status %d, live %v", p.Status, p.Live())
	}
	if got := p.Text("#count"); got != "3" {
		t.Errorf("count = %q, want 3", got)
	}
	for _, want := range []string{`<meta name="csrf-token" content="`, `<script defer src="/live/templive.js"></script>`, `data-live-session="SFMyNTY.`, "<!DOCTYPE html>"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestClickUpdatesTheViewThroughAPatch(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter?start=1")
	v.Click("#inc")
	v.Click("#inc")
	if got := v.Text("#count"); got != "3" {
		t.Fatalf("count = %q, want 3", got)
	}
}

func TestPubSubMessagesReachHandleInfo(t *testing.T) {
	t.Parallel()
	srv, ps := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	if err := ps.Broadcast(t.Context(), "counter", 5); err != nil {
		t.Fatal(err)
	}
	v.Sync("")
	if got := v.Text("#count"); got != "5" {
		t.Fatalf("count = %q, want 5", got)
	}
	v.Send(10)
	if got := v.Text("#count"); got != "15" {
		t.Fatalf("count = %q, want 15", got)
	}
}

func TestSendAfterDeliversOnTheViewsGoroutine(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	v.Send("four") // schedules len("four") after 1 ms
	deadline := time.Now().Add(livetest.Timeout)
	for v.Text("#count") != "4" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		v.Sync("")
	}
	if got := v.Text("#count"); got != "4" {
		t.Fatalf("count = %q, want 4", got)
	}
}

func TestABurstOfMessagesRendersOnce(t *testing.T) {
	t.Parallel()
	var renders atomic.Int64
	gate := make(chan struct{})
	srv, _ := newServer(t, live.Options{}, func() live.View { return &counter{renders: &renders, gate: gate} })
	v := livetest.Mount(t, srv, "/counter")
	before := renders.Load()
	for range 50 {
		if err := srv.Send(v.ID(), 1); err != nil {
			t.Fatal(err)
		}
	}
	close(gate)
	v.Sync("")
	if got := v.Text("#count"); got != "50" {
		t.Fatalf("count = %q, want 50", got)
	}
	if n := renders.Load() - before; n != 1 {
		t.Fatalf("50 messages caused %d renders, want 1", n)
	}
}

func TestPatchRunsHandleParamsAndUpdatesTheURL(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	v.Event(live.EventClick, "patch", nil)
	if got := v.Text("#count"); got != "42" {
		t.Fatalf("count = %q, want 42", got)
	}
	if !strings.HasSuffix(v.URL(), "/counter?start=42") {
		t.Fatalf("URL = %s", v.URL())
	}
	v.Patch("/counter?start=8")
	if got := v.Text("#count"); got != "8" {
		t.Fatalf("after live-patch link: count = %q, want 8", got)
	}
}

func TestNavigateMountsAnotherViewWithTheFlash(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	v.Event(live.EventClick, "navigate", nil)
	if !strings.HasSuffix(v.URL(), "/other?start=7") {
		t.Fatalf("URL = %s", v.URL())
	}
	if got := v.Text("#count"); got != "7" {
		t.Fatalf("count = %q, want 7", got)
	}
	if got := v.Text("#flash"); got != "navigated" {
		t.Fatalf("flash = %q, want navigated", got)
	}
}

func TestRedirectCarriesTheFlashToTheNextPage(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/counter")
	v.Event(live.EventClick, "redirect", nil)
	if v.Redirect() != "/other?start=3" {
		t.Fatalf("redirect = %q", v.Redirect())
	}
	p := v.FollowRedirect()
	if got := p.Text("#flash"); got != "redirected" {
		t.Fatalf("flash after the redirect = %q", got)
	}
	if got := c.Get("/other").Text("#flash"); got != "" {
		t.Fatalf("the flash shows twice: %q", got)
	}
}

func TestTitleHookRepliesAndPushedEvents(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	v.Event(live.EventClick, "title", url.Values{"title": {"Counter 1"}})
	if v.Title() != "Counter 1" {
		t.Errorf("title = %q", v.Title())
	}
	reply := v.Hook("hook", map[string]int{"add": 4})
	if string(reply) != `{"n":4}` {
		t.Errorf("hook reply = %s", reply)
	}
	v.Event(live.EventClick, "push", nil)
	ev := v.Events()
	if len(ev) != 1 || ev[0].Name != "highlight" || string(ev[0].Payload) != `{"n":4}` {
		t.Errorf("pushed events = %+v", ev)
	}
}

func TestACrashedViewIsRemountedAndOthersKeepRunning(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	srv, _ := newServer(t, live.Options{}, func() live.View { return &counter{ended: ended} })
	c := livetest.NewClient(t, srv, nil)
	other := c.Live("/counter?start=1")
	crashing := c.Live("/counter?start=5")
	err := crashing.TryEvent(live.EventClick, "crash", nil)
	if err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Fatalf("crash reported as %v", err)
	}
	select {
	case reason := <-ended:
		if reason == nil {
			t.Fatal("Terminate got a nil reason")
		}
	case <-time.After(livetest.Timeout):
		t.Fatal("Terminate not called")
	}
	// The browser rejoins with the same page: the view comes back.
	crashing.Rejoin()
	if got := crashing.Text("#count"); got != "5" {
		t.Fatalf("after rejoin count = %q, want 5", got)
	}
	other.Click("#inc")
	if got := other.Text("#count"); got != "2" {
		t.Fatalf("the other view: count = %q, want 2", got)
	}
}

func TestAnEventErrorCrashesTheView(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	if err := v.TryEvent(live.EventClick, "fail", nil); err == nil {
		t.Fatal("an event error did not crash the view")
	}
}

func TestUnknownEventTypesAreRefusedWithoutHarm(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	v := livetest.Mount(t, srv, "/counter")
	if err := v.TryEvent("teleport", "inc", nil); err == nil || !strings.Contains(err.Error(), "unknown event type") {
		t.Fatalf("got %v", err)
	}
	v.Click("#inc")
	if got := v.Text("#count"); got != "1" {
		t.Fatalf("count = %q, want 1", got)
	}
}

func TestMountOnceAdoptsTheInstanceOfTheGET(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{MountOnce: true}, nil)
	v := livetest.Mount(t, srv, "/counter?start=2")
	st := srv.Stats()
	if st.Adoptions != 1 || st.Parked != 0 {
		t.Fatalf("stats %+v, want one adoption and nothing parked", st)
	}
	v.Click("#inc")
	if got := v.Text("#count"); got != "3" {
		t.Fatalf("count = %q, want 3", got)
	}
	// Without MountOnce every page is mounted twice.
	srv2, _ := newServer(t, live.Options{}, nil)
	livetest.Mount(t, srv2, "/counter")
	if st := srv2.Stats(); st.Adoptions != 0 || st.Mounts != 2 {
		t.Fatalf("stats %+v, want two mounts", st)
	}
}

func TestMountOnceIsBoundedAndExpires(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{MountOnce: true, ParkedViews: 3, ParkedFor: time.Millisecond}, nil)
	c := livetest.NewClient(t, srv, nil)
	for range 10 {
		c.Get("/counter")
	}
	if n := srv.Stats().Parked; n > 3 {
		t.Fatalf("%d views parked, want at most 3", n)
	}
	time.Sleep(5 * time.Millisecond)
	v := c.Live("/counter") // parks one more, which may or may not have expired
	v.Click("#inc")
	if got := v.Text("#count"); got != "1" {
		t.Fatalf("count = %q", got)
	}
}

// rawJoin connects to the live socket of ts with the given CSRF token,
// origin and cookies, and joins topic with payload. It returns the HTTP
// status of a refused connect, or the join reply.
func rawJoin(t *testing.T, ts *httptest.Server, csrf, origin string, cookies []*http.Cookie, topic string, payload any) (int, map[string]any) {
	t.Helper()
	h := http.Header{}
	if origin != "" {
		h.Set("Origin", origin)
	}
	for _, c := range cookies {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	u := "ws" + strings.TrimPrefix(ts.URL, "http") + "/live/websocket?vsn=2.0.0&_csrf_token=" + url.QueryEscape(csrf)
	ws, resp, err := websocket.DefaultDialer.Dial(u, h)
	if err != nil {
		if resp == nil {
			t.Fatal(err)
		}
		return resp.StatusCode, nil
	}
	defer ws.Close()
	b, _ := json.Marshal([]any{"1", "1", topic, "phx_join", payload})
	ws.WriteMessage(websocket.TextMessage, b)
	ws.SetReadDeadline(time.Now().Add(livetest.Timeout))
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		var f []any
		json.Unmarshal(data, &f)
		if f[3] == "phx_reply" && f[1] == "1" {
			return http.StatusSwitchingProtocols, f[4].(map[string]any)
		}
	}
}

// page fetches path from ts and returns the view id, session token, CSRF
// token and cookies.
func page(t *testing.T, ts *httptest.Server, path string) (id, session, csrf string, cookies []*http.Cookie) {
	t.Helper()
	resp, err := http.Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	find := func(prefix string) string {
		s := string(body)
		i := strings.Index(s, prefix)
		if i < 0 {
			t.Fatalf("page lacks %s", prefix)
		}
		s = s[i+len(prefix):]
		return s[:strings.IndexByte(s, '"')]
	}
	return find(`<div id="`), find(`data-live-session="`), find(`name="csrf-token" content="`), resp.Cookies()
}

func TestTheSocketChecksCSRFAndOrigin(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	id, session, csrf, cookies := page(t, ts, "/counter")
	join := map[string]any{"session": session, "url": ts.URL + "/counter"}

	tests := []struct {
		name    string
		csrf    string
		origin  string
		cookies []*http.Cookie
		status  int
	}{
		{"a page's own token and cookie connect", csrf, ts.URL, cookies, http.StatusSwitchingProtocols},
		{"a missing CSRF token is refused", "", ts.URL, cookies, http.StatusForbidden},
		{"a forged CSRF token is refused", "forged", ts.URL, cookies, http.StatusForbidden},
		{"a token without its cookie is refused", csrf, ts.URL, nil, http.StatusForbidden},
		{"another origin is refused", csrf, "http://evil.example", cookies, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, reply := rawJoin(t, ts, tt.csrf, tt.origin, tt.cookies, "lv:"+id, join)
			if status != tt.status {
				t.Fatalf("status %d, want %d (reply %v)", status, tt.status, reply)
			}
			if status == http.StatusSwitchingProtocols && reply["status"] != "ok" {
				t.Fatalf("join reply %v", reply)
			}
		})
	}
}

func TestJoinRefusesForgedStaleAndMismatchedSessions(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{SessionMaxAge: time.Nanosecond}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	id, session, csrf, cookies := page(t, ts, "/counter")
	time.Sleep(time.Millisecond)

	tests := []struct {
		name    string
		topic   string
		payload any
		reason  string
	}{
		{"an expired session asks for a reload", "lv:" + id, map[string]any{"session": session, "url": ts.URL + "/counter"}, "stale"},
		{"a forged session is unauthorized", "lv:" + id, map[string]any{"session": session + "x", "url": ts.URL + "/counter"}, "unauthorized"},
		{"a payload that is not an object is refused", "lv:" + id, []int{1}, "invalid join payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, reply := rawJoin(t, ts, csrf, ts.URL, cookies, tt.topic, tt.payload)
			resp, _ := reply["response"].(map[string]any)
			if reply["status"] != "error" || resp["reason"] != tt.reason {
				t.Fatalf("reply %v, want reason %q", reply, tt.reason)
			}
		})
	}
}

func TestASessionIsBoundToItsViewID(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	_, session, csrf, cookies := page(t, ts, "/counter")
	_, reply := rawJoin(t, ts, csrf, ts.URL, cookies, "lv:lv-someone-else", map[string]any{"session": session, "url": ts.URL + "/counter"})
	resp, _ := reply["response"].(map[string]any)
	if reply["status"] != "error" || resp["reason"] != "unauthorized" {
		t.Fatalf("reply %v", reply)
	}
}

func TestAFailingMountAnswersTheGETWith500(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	if p := c.Get("/counter?fail=1"); p.Status != http.StatusInternalServerError {
		t.Fatalf("status %d", p.Status)
	}
}

func TestTheClientScriptIsServed(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/live/templive.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), "javascript") {
		t.Fatalf("status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
}

// form is a view with a form validated on change, for form recovery.
type form struct {
	email string
}

func (f *form) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (f *form) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<form id="f" live-change="validate"><input name="email" value="%s"></form><p id="email">%s</p>`,
			templ.EscapeString(f.email), templ.EscapeString(f.email))
		return err
	})
}

func (f *form) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "validate" {
		f.email = ev.Value("email")
	}
	return nil
}

func TestARejoinRecoversTheFormsTheUserWasFillingIn(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/form", func() live.View { return &form{} })
	v := livetest.Mount(t, srv, "/form")
	v.RejoinWith(map[string]any{"form": map[string]string{"f": "email=ada%40example.com", "nope": "email=x"}})
	if got := v.Text("#email"); got != "ada@example.com" {
		t.Fatalf("email = %q after a rejoin with form state", got)
	}
}

// present is a view that tracks itself on a topic while connected, and
// crashes on demand.
type present struct {
	tracker *presence.Tracker[struct{}]
}

func (p *present) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if s.Connected() {
		_, err := p.tracker.Track(s.Context(), "room:x", params.Get("user"), struct{}{})
		return err
	}
	return nil
}

func (p *present) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<button id="crash" live-click="crash">crash</button>`)
		return err
	})
}

func (p *present) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	panic("crash on purpose")
}

func TestACrashedViewLeavesPresence(t *testing.T) {
	t.Parallel()
	srv, ps := newServer(t, live.Options{}, nil)
	tracker, err := presence.New(ps, presence.Options[struct{}]{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tracker.Close() })
	srv.Page("/present", func() live.View { return &present{tracker: tracker} })
	sub, err := ps.Subscribe("room:x")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	v := livetest.Mount(t, srv, "/present?user=ada")
	waitDiff := func(want string) {
		t.Helper()
		for {
			select {
			case m := <-sub.C():
				d := m.Payload.(presence.Diff[struct{}])
				if want == "join" && len(d.Joins["ada"].Metas) == 1 || want == "leave" && len(d.Leaves["ada"].Metas) == 1 {
					return
				}
			case <-time.After(livetest.Timeout):
				t.Fatalf("no %s of ada", want)
			}
		}
	}
	waitDiff("join")
	if err := v.TryEvent(live.EventClick, "crash", nil); err == nil {
		t.Fatal("the view did not crash")
	}
	waitDiff("leave")
	if list, _ := tracker.List(t.Context(), "room:x"); len(list) != 0 {
		t.Fatalf("still listed after the crash: %v", list.Keys())
	}
}

func TestViewsInTheSameStateShareCorrectPatches(t *testing.T) {
	t.Parallel()
	srv, ps := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	views := []*livetest.View{c.Live("/counter"), c.Live("/counter"), c.Live("/counter?start=7")}
	broadcast := func(n int) {
		t.Helper()
		if err := ps.Broadcast(t.Context(), "counter", n); err != nil {
			t.Fatal(err)
		}
		for _, v := range views {
			v.Sync("")
		}
	}
	want := func(counts ...string) {
		t.Helper()
		for i, v := range views {
			if got := v.Text("#count"); got != counts[i] {
				t.Fatalf("view %d shows %s, want %s", i, got, counts[i])
			}
		}
	}
	broadcast(5) // two views go 0 → 5 (one patch, shared), one 7 → 12
	want("5", "5", "12")
	views[0].Click("#inc")
	want("6", "5", "12")
	broadcast(1)
	want("7", "6", "13")
	broadcast(-6) // 7 → 1 and 6 → 0: different pairs, different patches
	want("1", "0", "7")
}

func TestALayoutWithoutTheClientScriptIsReported(t *testing.T) {
	t.Parallel()
	var logs strings.Builder
	srv, _ := newServer(t, live.Options{
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
		Layout: func(title string) templ.Component {
			return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
				io.WriteString(w, "<!DOCTYPE html><html><head></head><body>")
				templ.GetChildren(ctx).Render(ctx, w)
				_, err := io.WriteString(w, "</body></html>")
				return err
			})
		},
	}, nil)
	c := livetest.NewClient(t, srv, nil)
	c.Get("/counter")
	c.Get("/counter")
	if n := strings.Count(logs.String(), "live.Head"); n != 1 {
		t.Fatalf("warned %d times, want once:\n%s", n, logs.String())
	}
}

func TestAJoinRefusedAfterMountEndsTheView(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	srv := newMisc(t, live.Options{}, ended)
	c := livetest.NewClient(t, srv, nil)
	p := c.Get("/misc?on-join=redirect")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	// The connected Mount redirects: the join is refused, and the view that
	// was mounted for it (with a timer running) must end.
	err := c.TryLive("/misc?on-join=redirect")
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("join: %v", err)
	}
	select {
	case <-ended:
	case <-time.After(livetest.Timeout):
		t.Fatal("Terminate was not called for the refused join")
	}
}
