package js_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/js"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/render"
)

// This file tests the live view client in Chromium against a scripted server: a
// "lv:*" channel on live.Socket that renders a fixed page from its state and
// answers events with diff.Diff patches, as docs/PROTOCOL.md, "Live views" says the live
// runtime does. The runtime's own browser tests drive real views.

const livePage = `<!doctype html>
<html><head><title>start</title><link rel="icon" href="data:,">
<meta name="csrf-token" content="csrf-123">
<script>
window.hookLog = []
// The client reports a patch it could not apply with console.error: count them.
window.consoleErrors = []
const consoleError = console.error
console.error = (...args) => { consoleErrors.push(args.join(" ")); consoleError(...args) }
window.templiveHooks = {
  Probe: {
    mounted() {
      hookLog.push("mounted")
      this.handleEvent("flash", p => hookLog.push("flash " + p.msg))
    },
    beforeUpdate() { hookLog.push("beforeUpdate") },
    updated() { hookLog.push("updated") },
    destroyed() { hookLog.push("destroyed") },
    disconnected() { hookLog.push("disconnected") },
    reconnected() { hookLog.push("reconnected") },
  },
}
</script>
<script defer src="/live/templive.js"></script>
</head><body><div id="lv-1" data-live-root data-live-session="%s">%s</div></body></html>`

// viewState is the scripted view's state; html renders it.
type viewState struct {
	Count         int
	Email, Other  string
	Msg, Key, Q   string
	WKey, URL     string
	Hook, Tick    int
	HookShown     bool
	SlowDone      bool
	Disconnecting bool
}

func (s *viewState) html() string {
	e := html.EscapeString
	hook := ""
	if s.HookShown {
		hook = fmt.Sprintf(`<div id="hooked" live-hook="Probe">hook %d</div>`, s.Hook)
	}
	return fmt.Sprintf(`<p id="count">%d</p>
<button id="inc" live-click="inc" live-value-by="2">+</button>
<button id="slow" live-click="slow" live-disable-with="Saving...">Save <b>now</b></button>
<p id="slowdone">%t</p>
<form id="f" live-change="validate" live-submit="save"><input id="email" name="email" value="%s"><input id="other" name="other" value="%s"><button id="submit">Go</button></form>
<p id="msg">%s</p>
<form id="chat" live-submit="send"><input id="body" name="body"></form>
<input id="key" live-keydown="key" live-key="Enter">
<p id="lastkey">%s</p>
<div live-window-keyup="wkey"></div><p id="wkey">%s</p>
<input id="q" name="q" live-change="search" live-debounce="blur">
<p id="query">%s</p>
<p id="url">%s</p>
<a id="plink" href="/page?x=2" live-patch>x=2</a>
<a id="nlink" href="/page?nav=1" live-navigate>nav</a>
<button id="toggle" live-click="toggle">toggle</button>
<button id="bump" live-click="bump">bump</button>
<button id="tick" live-click="tick">tick</button>
<p id="ticks">%d</p>
<button id="bye" live-click="bye">bye</button>
<div id="ign" live-update="ignore">server</div>
<input id="fb" live-focus="fin" live-blur="fout" live-value-x="1">
%s`, s.Count, s.SlowDone, e(s.Email), e(s.Other), e(s.Msg), e(s.Key), e(s.WKey), e(s.Q), e(s.URL), s.Tick, hook)
}

// liveRig is the scripted server and what it saw.
type liveRig struct {
	t       *testing.T
	release chan struct{} // lets a "slow" click reply

	mu     sync.Mutex     // guards state, joins, events, params, gets
	state  viewState      // survives reconnects, as a resumed view's would
	gets   map[string]int // page loads by session
	joins  []map[string]any
	events []map[string]any
	params []url.Values
}

func (r *liveRig) record(list *[]map[string]any, v map[string]any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	*list = append(*list, v)
}

// event returns the last recorded event of type t with name e.
func (r *liveRig) event(t, e string) map[string]any {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, ev := range slices.Backward(r.events) {
		if ev["t"] == t && ev["e"] == e {
			return ev
		}
	}
	return nil
}

func (r *liveRig) joinCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.joins)
}

func (r *liveRig) count(t, e string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, ev := range r.events {
		if ev["t"] == t && (ev["e"] == e || ev["e"] == nil && e == "") {
			n++
		}
	}
	return n
}

type scriptedView struct {
	rig   *liveRig
	cc    *channel.Conn
	state viewState
	last  *render.Node
}

func (v *scriptedView) render() (string, *render.Node) {
	h := v.state.html()
	tree, err := render.ParseFragment([]byte(h))
	if err != nil {
		panic(err)
	}
	return h, tree
}

// patch renders the state and returns the patch from the last render.
func (v *scriptedView) patch() diff.Patch {
	_, tree := v.render()
	p := diff.Diff(v.last, tree)
	v.last = tree
	return p
}

// save keeps the state for the next join.
func (v *scriptedView) save() {
	v.rig.mu.Lock()
	v.rig.state = v.state
	v.rig.mu.Unlock()
}

func (v *scriptedView) Join(ctx context.Context, payload json.RawMessage) (any, error) {
	var p map[string]any
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, err
	}
	v.rig.record(&v.rig.joins, p)
	v.rig.mu.Lock()
	v.rig.params = append(v.rig.params, v.cc.ConnectInfo().Params)
	v.rig.mu.Unlock()
	switch p["session"] {
	case "session-1":
	case "redirect-me":
		return nil, &channel.JoinError{Response: map[string]string{"reason": "redirect", "to": "/other", "flash": "F1"}}
	case "navigate-me":
		// The mount navigates elsewhere once; the new URL mounts.
		if !strings.Contains(fmt.Sprint(p["url"]), "from=nav") {
			return nil, &channel.JoinError{Response: map[string]string{"reason": "navigate", "to": "/page?from=nav", "flash": "F2"}}
		}
	default:
		return nil, channel.Refuse("unauthorized")
	}
	v.rig.mu.Lock()
	v.state = v.rig.state
	v.rig.mu.Unlock()
	v.state.URL = fmt.Sprint(p["url"])
	// Form recovery: replay the recovered fields as a change.
	if forms, ok := p["form"].(map[string]any); ok {
		if f, ok := forms["f"].(string); ok {
			q, _ := url.ParseQuery(f)
			v.state.Email, v.state.Other = q.Get("email"), q.Get("other")
		}
	}
	h, tree := v.render()
	v.last = tree
	return map[string]any{"html": h, "title": "Live test"}, nil
}

func (v *scriptedView) HandleIn(ctx context.Context, ev channel.Message) (channel.Reply, error) {
	var e map[string]any
	if err := json.Unmarshal(ev.Payload, &e); err != nil {
		v.rig.t.Errorf("server: event %s: %v", ev.Name, err)
		return channel.NoReply, err
	}
	switch ev.Name {
	case "event":
	case "live_patch":
		e["t"] = "live_patch"
	default:
		v.rig.t.Errorf("server: unexpected channel event %q %v", ev.Name, e)
		return channel.ReplyError(map[string]string{"reason": "unknown event"}), nil
	}
	v.rig.record(&v.rig.events, e)
	vals, _ := url.ParseQuery(fmt.Sprint(e["v"]))
	s := &v.state
	reply := map[string]any{}
	switch fmt.Sprint(e["t"]) + ":" + fmt.Sprint(e["e"]) {
	case "click:inc":
		by, _ := strconv.Atoi(vals.Get("by"))
		s.Count += by
	case "click:slow":
		select {
		case <-v.rig.release:
		case <-time.After(10 * time.Second):
		}
		s.SlowDone = true
	case "change:validate":
		// The server rewrites both fields: the focused one must keep what
		// the user typed, the other must follow.
		s.Email = strings.ToUpper(vals.Get("email"))
		s.Other = "server-" + vals.Get("email")
		s.Msg = "email: " + vals.Get("email")
	case "submit:send":
		s.Msg = "sent " + vals.Get("body")
	case "submit:save":
		s.Msg = "saved " + vals.Get("email")
		s.Email, s.Other = "", ""
	case "keydown:key":
		s.Key = fmt.Sprint(e["k"])
	case "keyup:wkey":
		s.WKey = fmt.Sprint(e["k"])
	case "change:search":
		s.Q = vals.Get("q")
	case "live_patch:<nil>":
		s.URL = fmt.Sprint(e["url"])
	case "click:toggle":
		s.HookShown = !s.HookShown
	case "focus:fin", "blur:fout":
	case "click:bump":
		s.Hook++
	case "hook:ping":
		s.Hook++
		reply["r"] = map[string]any{"pong": e["v"]}
		reply["ev"] = [][]any{{"flash", map[string]string{"msg": "hi"}}}
	case "click:tick":
		// A render the client did not ask for arrives as a "diff" push.
		s.Tick++
		v.save()
		if err := v.cc.Push("diff", map[string]any{"d": v.patch()}); err != nil {
			return channel.NoReply, err
		}
		return channel.ReplyOK(nil), nil
	case "click:bye":
		if err := v.cc.Push("redirect", map[string]string{"to": "/other"}); err != nil {
			return channel.NoReply, err
		}
		return channel.ReplyOK(nil), nil
	default:
		v.rig.t.Errorf("server: unexpected event %v", e)
		return channel.ReplyError(map[string]string{"reason": "unexpected event"}), nil
	}
	if p := v.patch(); !p.Empty() {
		reply["d"] = p
	}
	v.save()
	return channel.ReplyOK(reply), nil
}

func newLiveServer(t *testing.T) (*httptest.Server, *liveRig) {
	rig := &liveRig{t: t, release: make(chan struct{}), gets: map[string]int{}}
	sock := channel.NewSocket(channel.SocketOptions[struct{}]{Logger: slog.New(slog.DiscardHandler)})
	sock.Channel("lv:*", func(cc *channel.Conn, _ struct{}) channel.Channel {
		return &scriptedView{rig: rig, cc: cc}
	})
	first := (&viewState{}).html()
	mux := http.NewServeMux()
	mux.Handle("/live/templive.js", js.Handler())
	mux.Handle("/live/", sock)
	mux.HandleFunc("/other", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<!doctype html><title>other</title><link rel="icon" href="data:,"><h1>other page</h1>`)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		session := r.URL.Query().Get("session")
		if session == "" {
			session = "session-1"
		}
		rig.mu.Lock()
		rig.gets[session]++
		rig.mu.Unlock()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, livePage, html.EscapeString(session), first)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(func() {
		close(rig.release)
		if err := sock.Shutdown(context.Background()); err != nil {
			t.Errorf("socket shutdown: %v", err)
		}
		srv.Close()
	})
	return srv, rig
}

// TestLiveViewClient drives the live view client through the bindings of
// docs/PROTOCOL.md, "Live views", one after the other on one page.
func TestLiveViewClient(t *testing.T) {
	t.Parallel()
	srv, rig := newLiveServer(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL + "/page")

	str := func(tab *browsertest.Tab, js string) string {
		var s string
		tab.Eval(js, &s)
		return s
	}
	// The steps share the page: the first failure stops the test.
	run := func(name string, step func(t *testing.T, tab *browsertest.Tab)) {
		t.Helper()
		if !t.Run(name, func(t *testing.T) { step(t, tab.For(t)) }) {
			t.FailNow()
		}
	}
	wantEvent := func(t *testing.T, typ, name string, want map[string]any) {
		t.Helper()
		got := rig.event(typ, name)
		if got == nil {
			t.Errorf("no %s %q event", typ, name)
			return
		}
		for k, w := range want {
			if fmt.Sprint(got[k]) != fmt.Sprint(w) {
				t.Errorf("%s %q event: %s = %v, want %v (event %v)", typ, name, k, got[k], w, got)
			}
		}
	}

	run("the page joins", func(t *testing.T, tab *browsertest.Tab) {
		tab.WaitClass("#lv-1", "live-connected")
		tab.Wait(`document.title == "Live test"`)
		rig.mu.Lock()
		defer rig.mu.Unlock()
		if len(rig.joins) != 1 || rig.joins[0]["url"] != srv.URL+"/page" || rig.joins[0]["form"] != nil {
			t.Errorf("join payloads %v", rig.joins)
		}
		if got := rig.params[0].Get("_csrf_token"); got != "csrf-123" {
			t.Errorf("_csrf_token = %q", got)
		}
	})

	run("click with values", func(t *testing.T, tab *browsertest.Tab) {
		tab.Click("#inc")
		tab.WaitText("#count", "2")
		wantEvent(t, "click", "inc", map[string]any{"v": "by=2", "el": "inc"})
	})

	run("loading class and disable-with while in flight", func(t *testing.T, tab *browsertest.Tab) {
		tab.Click("#slow")
		tab.WaitClass("#slow", "live-click-loading")
		if got := str(tab, `(b => b.textContent + "|" + b.disabled)(document.querySelector("#slow"))`); got != "Saving...|true" {
			t.Errorf("in flight: %q", got)
		}
		rig.release <- struct{}{}
		tab.WaitText("#slowdone", "true")
		if got := str(tab, `(b => b.innerHTML + "|" + b.disabled + "|" + b.hasAttribute("class"))(document.querySelector("#slow"))`); got != "Save <b>now</b>|false|false" {
			t.Errorf("after the reply: %q", got)
		}
	})

	run("typing keeps the focused field and syncs the others", func(t *testing.T, tab *browsertest.Tab) {
		tab.Type("#email", "ab")
		tab.WaitText("#msg", "email: ab")
		tab.Eval(`document.querySelector("#email").setSelectionRange(1, 1)`, nil)
		tab.Type("#email", "X")
		tab.WaitText("#msg", "email: aXb")
		got := str(tab, `(e => [e.value, e.getAttribute("value"), e.selectionStart, document.activeElement.id, document.querySelector("#other").value].join("|"))(document.querySelector("#email"))`)
		if got != "aXb|AXB|2|email|server-aXb" {
			t.Errorf("value|attribute|caret|focused|other = %q, want aXb|AXB|2|email|server-aXb", got)
		}
		wantEvent(t, "change", "validate", map[string]any{"f": "email", "v": "email=aXb&other=server-ab"})
	})

	run("submit resets the focused field", func(t *testing.T, tab *browsertest.Tab) {
		tab.Type("#email", "\n")
		tab.WaitText("#msg", "saved aXb")
		if got := str(tab, `document.querySelector("#email").value + "|" + document.querySelector("#other").value`); got != "|" {
			t.Errorf("fields after submit = %q, want empty", got)
		}
	})

	run("submit empties a field the server renders without a value", func(t *testing.T, tab *browsertest.Tab) {
		tab.Type("#body", "hi\n")
		tab.WaitText("#msg", "sent hi")
		if got := tab.Value("#body"); got != "" {
			t.Errorf("#body after submit = %q, want empty", got)
		}
		if got := str(tab, `String(document.querySelector("#body").readOnly)`); got != "false" {
			t.Errorf("#body.readOnly after the reply = %s", got)
		}
	})

	run("keydown with live-key", func(t *testing.T, tab *browsertest.Tab) {
		tab.Type("#key", "ab\n")
		tab.WaitText("#lastkey", "Enter")
		if n := rig.count("keydown", "key"); n != 1 {
			t.Errorf("%d keydown events, want 1 (only Enter)", n)
		}
		tab.Eval(`window.dispatchEvent(new KeyboardEvent("keyup", {key: "k"}))`, nil)
		tab.WaitText("#wkey", "k")
	})

	run("focus and blur", func(t *testing.T, tab *browsertest.Tab) {
		tab.Focus("#fb")
		tab.Focus("#key")
		deadline := time.Now().Add(5 * time.Second)
		for rig.count("blur", "fout") == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		wantEvent(t, "focus", "fin", map[string]any{"v": "x=1", "el": "fb"})
		wantEvent(t, "blur", "fout", map[string]any{"v": "x=1", "el": "fb"})
	})

	run("debounce blur waits for the blur", func(t *testing.T, tab *browsertest.Tab) {
		tab.Type("#q", "abc")
		if n := rig.count("change", "search"); n != 0 {
			t.Errorf("%d search events before blur, want 0", n)
		}
		tab.Focus("#key")
		tab.WaitText("#query", "abc")
		if n := rig.count("change", "search"); n != 1 {
			t.Errorf("%d search events, want 1", n)
		}
	})

	run("hooks", func(t *testing.T, tab *browsertest.Tab) {
		tab.Click("#toggle")
		tab.Wait(`hookLog.includes("mounted")`)
		tab.Click("#bump")
		tab.Wait(`hookLog.includes("updated")`)
		var pong map[string]any
		tab.Eval(`(async () => {
			const el = document.querySelector("#hooked")
			const hook = templive.liveSocket.views.get("lv-1").hooks.live.get(el)
			return await hook.pushEvent("ping", {a: 1})
		})()`, &pong)
		if fmt.Sprint(pong) != "map[pong:map[a:1]]" {
			t.Errorf("pushEvent resolved with %v", pong)
		}
		tab.Wait(`hookLog.includes("flash hi")`)
		tab.WaitText("#hooked", "hook 2")
		tab.Click("#toggle")
		tab.Wait(`hookLog.includes("destroyed")`)
	})

	run("live-patch links and back", func(t *testing.T, tab *browsertest.Tab) {
		tab.Click("#plink")
		tab.WaitText("#url", "/page?x=2")
		if got := str(tab, `location.search`); got != "?x=2" {
			t.Errorf("location.search = %q", got)
		}
		joins := rig.joinCount()
		tab.Eval(`history.back()`, nil)
		tab.Wait(`location.search == ""`)
		tab.Wait(`document.querySelector("#url").textContent.endsWith("/page")`)
		if n := rig.joinCount(); n != joins {
			t.Errorf("a live patch rejoined (%d joins)", n-joins)
		}
		if n := rig.count("live_patch", ""); n != 2 {
			t.Errorf("%d live_patch events, want 2", n)
		}
	})

	run("live-navigate rejoins with the new URL, and back rejoins again", func(t *testing.T, tab *browsertest.Tab) {
		joins := rig.joinCount()
		tab.Click("#nlink")
		tab.WaitText("#url", "/page?nav=1")
		if got := str(tab, `location.search`); got != "?nav=1" {
			t.Errorf("location.search = %q", got)
		}
		if n := rig.joinCount(); n != joins+1 {
			t.Errorf("%d joins for a navigation, want 1", n-joins)
		}
		tab.Eval(`history.back()`, nil)
		tab.Wait(`document.querySelector("#url").textContent.endsWith("/page")`)
		if n := rig.joinCount(); n != joins+2 {
			t.Errorf("%d joins after navigate and back, want 2", n-joins)
		}
		tab.WaitClass("#lv-1", "live-connected")
	})

	run("a diff push", func(t *testing.T, tab *browsertest.Tab) {
		tab.Click("#tick")
		tab.WaitText("#ticks", "1")
	})

	run("reconnect recovers the form", func(t *testing.T, tab *browsertest.Tab) {
		tab.Click("#toggle") // a hook to see disconnected/reconnected
		tab.Wait(`hookLog.filter(x => x == "mounted").length == 2`)
		tab.Eval(`document.querySelector("#other").value = "typed"`, nil)
		tab.Eval(`document.querySelector("#ign").textContent = "client"`, nil)
		tab.Eval(`templive.liveSocket.socket.conn.close()`, nil)
		tab.Wait(`hookLog.includes("disconnected")`)
		tab.Wait(`hookLog.includes("reconnected")`)
		tab.WaitClass("#lv-1", "live-connected")
		if got := str(tab, `hookLog.filter(x => x == "mounted").length + " " + hookLog.filter(x => x == "destroyed").length`); got != "2 1" {
			t.Errorf("mounted, destroyed = %s, want 2 1: the hook should survive the rejoin (log %s)", got, str(tab, "hookLog.join()"))
		}
		rig.mu.Lock()
		last := rig.joins[len(rig.joins)-1]
		rig.mu.Unlock()
		if fmt.Sprint(last["form"]) != "map[f:email=&other=typed]" {
			t.Errorf("rejoin form = %v", last["form"])
		}
		if got := str(tab, `document.querySelector("#other").value`); got != "typed" {
			t.Errorf("#other after rejoin = %q", got)
		}
		if got := str(tab, `document.querySelector("#ign").textContent`); got != "client" {
			t.Errorf("live-update=ignore content after rejoin = %q, want the client's", got)
		}
	})

	run("no console errors", func(t *testing.T, tab *browsertest.Tab) {
		var errs []string
		tab.Eval(`consoleErrors`, &errs)
		for _, e := range errs {
			t.Error(e)
		}
	})

	run("redirect", func(t *testing.T, tab *browsertest.Tab) {
		tab.Click("#bye")
		tab.WaitText("h1", "other page")
	})
}

// TestLiveViewJoinRefusals covers the join errors that send the browser
// elsewhere: a redirect with a flash, a mount that navigates, a bad session.
func TestLiveViewJoinRefusals(t *testing.T) {
	t.Parallel()
	srv, rig := newLiveServer(t)
	b := browsertest.New(t)

	t.Run("redirect sets the flash cookie and loads the page", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Navigate(srv.URL + "/page?session=redirect-me")
		tab.WaitText("h1", "other page")
		var cookie string
		tab.Eval(`document.cookie`, &cookie)
		if !strings.Contains(cookie, "_live_flash=F1") {
			t.Errorf("cookies %q, want _live_flash=F1", cookie)
		}
	})

	t.Run("navigate rejoins at the new URL with the flash", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Navigate(srv.URL + "/page?session=navigate-me")
		tab.WaitClass("#lv-1", "live-connected")
		tab.Wait(`location.search == "?from=nav"`)
		rig.mu.Lock()
		last := rig.joins[len(rig.joins)-1]
		rig.mu.Unlock()
		if last["flash"] != "F2" || !strings.HasSuffix(fmt.Sprint(last["url"]), "/page?from=nav") {
			t.Errorf("join after navigate = %v", last)
		}
		var entries int
		tab.Eval(`history.length`, &entries)
		if entries != 2 { // the new tab's blank page and this one, replaced
			t.Errorf("history.length = %d, want 2 (the navigation replaces)", entries)
		}
	})

	t.Run("an unauthorized session reloads the page, once", func(t *testing.T) {
		tab := b.NewTab(t)
		tab.Navigate(srv.URL + "/page?session=forged")
		tab.WaitClass("#lv-1", "live-error")
		deadline := time.Now().Add(10 * time.Second)
		for {
			rig.mu.Lock()
			n := rig.gets["forged"]
			rig.mu.Unlock()
			if n >= 2 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d loads of the page, want a reload", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		// The reload is refused again, and the next reload waits 10 s.
		tab.WaitClass("#lv-1", "live-error")
		var stamp string
		tab.Eval(`sessionStorage.getItem("templive:reload") || ""`, &stamp)
		if stamp == "" {
			t.Error("no reload time in sessionStorage")
		}
	})
}
