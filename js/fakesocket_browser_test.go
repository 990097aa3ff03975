package js_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

// The helpers of the browser tests that drive the client against a fake WebSocket
// in the page (forms, hooks, navigation, reconnect and some patch tests): the test
// plays the server by delivering frames with Eval.

// fakePage is a page whose live roots talk to a fake WebSocket driven from the
// test: it answers joins with the root's first HTML, leaves and heartbeats with
// ok, and records every frame in window.sent. Query parameters: fail=N fails the
// first N connections, flap=1 closes each connection 2 ms after it opens (with the
// default reconnect backoff), timeout=ms is the push and event timeout.
const fakePage = `<!doctype html><html><head><title>t</title><link rel="icon" href="data:,">
<meta name="csrf-token" content="c"></head><body>%s
<script type="module">
import {LiveSocket} from "/esm.js"
const q = new URLSearchParams(location.search)
window.sent = []
window.initial = {}
for (let r of document.querySelectorAll("[data-live-root]")) initial[r.id] = r.innerHTML
window.conns = 0
const failConns = Number(q.get("fail") || 0)
class FakeWS {
  constructor(url, protocols) {
    this.readyState = 0; window.ws = this; let n = ++conns
    setTimeout(() => {
      if (n <= failConns) { this.readyState = 3; this.onerror && this.onerror({}); this.onclose && this.onclose({code: 1006}); return }
      this.readyState = 1; this.onopen && this.onopen()
      if (q.get("flap")) setTimeout(() => { this.readyState = 3; this.onclose && this.onclose({code: 1011, reason: "internal error"}) }, 2)
    }, 5)
  }
  send(data) {
    let m = JSON.parse(data); sent.push(m)
    let [jr, ref, topic, ev, p] = m
    if (ev == "phx_join") setTimeout(() => reply(m, "ok", {html: initial[topic.slice(3)]}), 1)
    if (ev == "phx_leave" || ev == "heartbeat") setTimeout(() => reply(m, "ok", {}), 1)
  }
  close() { this.readyState = 3 }
}
window.deliver = msg => ws.onmessage && ws.onmessage({data: JSON.stringify(msg)})
window.reply = (m, status, response) => deliver([m[0], m[1], m[2], "phx_reply", {status, response}])
window.lastEvent = (ev = "event") => sent.filter(m => m[3] == ev).at(-1)
window.joins = (id = "lv-1") => sent.filter(m => m[3] == "phx_join" && m[2] == "lv:" + id).length
window.joinRef = id => sent.filter(m => m[3] == "phx_join" && m[2] == "lv:" + id).at(-1)[0]
window.push = (id, ev, p) => deliver([joinRef(id), null, "lv:" + id, ev, p])
window.errors = []
const ce = console.error; console.error = (...a) => { errors.push(a.join(" ")); ce(...a) }
const timeout = Number(q.get("timeout") || 10000)
window.live = new LiveSocket({transport: FakeWS, timeout, eventTimeout: timeout, hooks: window.testHooks || {},
  ...(q.get("flap") ? {} : {reconnectAfterMs: () => 20, rejoinAfterMs: () => 20})})
live.connect()
window.ready = true
</script></body></html>`

func fakeServer(t *testing.T, pages map[string]string) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("/esm.js", func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile("dist/templive.esm.js")
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "text/javascript")
		w.Write(b)
	})
	for p, body := range pages {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, fakePage, body)
		})
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// openFake serves body at /page and opens /page+query in a new tab, once lv-1 joined.
func openFake(t *testing.T, body, query string) *browsertest.Tab {
	t.Helper()
	srv := fakeServer(t, map[string]string{"/page": body})
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL + "/page" + query)
	tab.WaitClass("#lv-1", "live-connected")
	return tab
}

func evalJS[T any](t *testing.T, tab *browsertest.Tab, js string) T {
	t.Helper()
	var v T
	tab.Eval(js, &v)
	return v
}

func wantJS[T comparable](t *testing.T, tab *browsertest.Tab, js string, want T) {
	t.Helper()
	if got := evalJS[T](t, tab, js); got != want {
		t.Errorf("%s = %v, want %v", js, got, want)
	}
}

// hookAndLinksPage has a hook, Bad, whose beforeUpdate throws while window.boom is
// set and whose handler of the "bad" server event throws; a live-patch link (#pl),
// a live-navigate link to another origin (#far) and a live-patch link with a target
// (#blank).
const hookAndLinksPage = `<script>window.hookLog = []; window.testHooks = {Bad: {
  mounted() { hookLog.push("mounted"); this.handleEvent("bad", () => { throw new Error("handler bug") }) },
  beforeUpdate() { if (window.boom) throw new Error("hook bug") },
  destroyed() { hookLog.push("destroyed") }}}</script>` +
	`<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p><div id="h" live-hook="Bad">h</div>` +
	`<a id="pl" href="/page?x=2" live-patch>x2</a><a id="far" href="https://example.com/x" live-navigate>far</a>` +
	`<a id="blank" href="/page?x=3" target="_blank" live-patch>x3</a></div>`
