package js_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/internal/browsertest"
)

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

// A focused field without an id keeps its own value and focus across a patch;
// another field with the same name gets neither.
func TestReviewRestoreFocusByName(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>`+
		`<form live-change="v"><input type="radio" name="color" value="red" checked><input type="radio" name="color" value="blue"></form>`+
		`<form><input name="q" value=""></form><form><input name="q" value=""></form></div>`, "")
	tab.Eval(`let b = document.querySelectorAll("input[type=radio]")[1]; b.click(); b.focus(); true`, nil)
	tab.Eval(`push("lv-1", "diff", {d: [[0,[0,0],"b"]]}); true`, nil)
	wantJS(t, tab, `[...document.querySelectorAll("input[type=radio]")].map(r => r.value + ":" + r.checked).join(" ")`, "red:false blue:true")
	wantJS(t, tab, `[...document.querySelectorAll("input[type=radio]")].indexOf(document.activeElement)`, 1.0)

	tab.Type("form:nth-of-type(3) input", "hello")
	tab.Eval(`push("lv-1", "diff", {d: [[0,[0,0],"c"]]}); true`, nil)
	wantJS(t, tab, `document.forms[1].q.value + "|" + document.forms[2].q.value`, "|hello")
	wantJS(t, tab, `[...document.forms].indexOf(document.activeElement.form)`, 2.0)
}

// An event whose reply comes after the timeout rejoins the view (with form
// recovery) instead of leaving the DOM without the reply's patch.
func TestReviewLateReply(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p><form id="f" live-change="v"><input name="x" value="1"></form><button id="b" live-click="save">Save</button></div>`, "?timeout=300")
	tab.Click("#b")
	tab.Wait(`lastEvent()`)
	tab.Wait(`joins() == 2`)
	tab.WaitClass("#lv-1", "live-connected")
	wantJS(t, tab, `JSON.stringify(lastEvent("phx_join")[4].form)`, `{"f":"x=1"}`)
	wantJS(t, tab, `document.getElementById("b").className`, "")
}

// A server that accepts connections and closes them at once is retried with
// backoff, not some fifty times a second.
func TestReviewFlapStorm(t *testing.T) {
	srv := fakeServer(t, map[string]string{"/page": `<div id="lv-1" data-live-root data-live-session="s"><p>a</p></div>`})
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL + "/page?flap=1")
	tab.Wait(`window.ready`)
	time.Sleep(2 * time.Second)
	if n := evalJS[float64](t, tab, `conns`); n > 20 {
		t.Errorf("%v connections in 2s", n)
	}
}

const hookPage = `<script>window.hookLog = []; window.testHooks = {Bad: {
  mounted() { hookLog.push("mounted"); this.handleEvent("bad", () => { throw new Error("handler bug") }) },
  beforeUpdate() { if (window.boom) throw new Error("hook bug") },
  destroyed() { hookLog.push("destroyed") }}}</script>` +
	`<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p><div id="h" live-hook="Bad">h</div>` +
	`<a id="pl" href="/page?x=2" live-patch>x2</a><a id="far" href="https://example.com/x" live-navigate>far</a>` +
	`<a id="blank" href="/page?x=3" target="_blank" live-patch>x3</a></div>`

// A hook callback or handleEvent handler that throws is logged; the patch applies.
func TestReviewHookThrows(t *testing.T) {
	tab := openFake(t, hookPage, "")
	tab.Eval(`window.boom = true; try { push("lv-1", "diff", {d: [[0,[0,0],"b"]], ev: [["bad", {}]]}) } catch (e) { errors.push("thrown: " + e.message) }; window.boom = false; true`, nil)
	wantJS(t, tab, `document.getElementById("p").textContent`, "b")
	errs := evalJS[string](t, tab, `errors.join("\n")`)
	if strings.Contains(errs, "thrown") || !strings.Contains(errs, "hook bug") || !strings.Contains(errs, "handler bug") {
		t.Errorf("errors: %s", errs)
	}
	tab.Eval(`push("lv-1", "diff", {d: [[7,[0,0],0,1,"c"]]}); true`, nil)
	wantJS(t, tab, `document.getElementById("p").textContent`, "c")
}

// A live-patch the server refuses with "navigate" becomes a live navigation.
func TestReviewLivePatchRefused(t *testing.T) {
	tab := openFake(t, hookPage, "")
	tab.Click("#pl")
	tab.Wait(`lastEvent("live_patch")`)
	tab.Eval(`reply(lastEvent("live_patch"), "error", {reason: "navigate"}); true`, nil)
	tab.Wait(`joins() == 2`)
	wantJS(t, tab, `new URL(lastEvent("phx_join")[4].url).search`, "?x=2")
	wantJS(t, tab, `location.search`, "?x=2")
}

// Links to another origin or with a target are the browser's; the view stays.
func TestReviewCrossOriginNavigate(t *testing.T) {
	tab := openFake(t, hookPage, "")
	tab.Eval(`window.prevented = []; document.addEventListener("click", e => { prevented.push(e.defaultPrevented); e.preventDefault() }); true`, nil)
	tab.Click("#far")
	tab.Click("#blank")
	time.Sleep(100 * time.Millisecond)
	wantJS(t, tab, `JSON.stringify(prevented)`, "[false,false]")
	wantJS(t, tab, `live.views.get("lv-1").channel != null && sent.filter(m => m[3] == "phx_leave" || m[3] == "live_patch").length == 0`, true)
}

// disconnect() destroys the hooks.
func TestReviewDisconnectHooks(t *testing.T) {
	tab := openFake(t, hookPage, "")
	tab.Eval(`live.disconnect(); true`, nil)
	wantJS(t, tab, `hookLog.join()`, "mounted,destroyed")
}

// A failed first connection does not join each view twice on the next one.
func TestReviewStaleBufferedJoin(t *testing.T) {
	tab := openFake(t, hookPage, "?fail=1")
	time.Sleep(200 * time.Millisecond)
	wantJS(t, tab, `joins()`, 1.0)
}

// Back over an entry that differs only in its hash sends nothing.
func TestReviewHashBack(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p>a</p></div><a id="h" href="#sec">sec</a>`, "")
	tab.Click("#h")
	tab.Wait(`location.hash == "#sec"`)
	tab.Eval(`history.back(); true`, nil)
	tab.Wait(`location.hash == ""`)
	time.Sleep(200 * time.Millisecond)
	wantJS(t, tab, `sent.filter(m => m[3] == "live_patch" || m[3] == "phx_leave").length`, 0.0)
}

const page2 = `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>` +
	`<button id="b" live-click="save" live-disable-with="Saving"><i>icon</i> Save <span id="n">3</span></button>` +
	`<input id="cb" type="checkbox" name="agree" live-change="agree" checked>` +
	`<select id="sm" name="s" multiple live-change="pick"><option>a</option><option>b</option><option>c</option></select></div>`

// A diff push while an event is in flight applies to the button as the server
// knows it, and the button keeps it after the reply.
func TestReviewDisableWithRace(t *testing.T) {
	tab := openFake(t, page2, "")
	tab.Click("#b")
	tab.Wait(`lastEvent()`)
	tab.Eval(`push("lv-1", "diff", {d: [[0,[1,2,0],"4"]]}); true`, nil)
	wantJS(t, tab, `document.getElementById("b").textContent + document.getElementById("b").disabled`, "Savingtrue")
	tab.Eval(`reply(lastEvent(), "ok", {}); true`, nil)
	wantJS(t, tab, `document.getElementById("b").outerHTML`, `<button id="b" live-click="save" live-disable-with="Saving"><i>icon</i> Save <span id="n">4</span></button>`)
	wantJS(t, tab, `errors.length + ":" + joins()`, "0:1")
}

func TestReviewDisableWithRace2(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><button id="b" live-click="save" live-disable-with="Saving">Save 3</button></div>`, "")
	tab.Click("#b")
	tab.Wait(`lastEvent()`)
	tab.Eval(`push("lv-1", "diff", {d: [[0,[0,0],"Save 4"], [1,[0],"disabled",""]]}); true`, nil)
	tab.Eval(`reply(lastEvent(), "ok", {}); true`, nil)
	wantJS(t, tab, `document.getElementById("b").textContent + ":" + document.getElementById("b").disabled`, "Save 4:true")
	wantJS(t, tab, `errors.length`, 0.0)
}

// A field's own live-change sends its value as a form would: nothing for an
// unchecked box, every selected option of a select[multiple].
func TestReviewCheckboxChange(t *testing.T) {
	tab := openFake(t, page2, "")
	tab.Click("#cb")
	tab.Wait(`lastEvent()`)
	wantJS(t, tab, `"v" in lastEvent()[4]`, false)
	tab.Eval(`reply(lastEvent(), "ok", {}); true`, nil)
	tab.Click("#cb")
	tab.Wait(`sent.filter(m => m[3] == "event").length == 2`)
	wantJS(t, tab, `lastEvent()[4].v`, "agree=on")
	tab.Eval(`reply(lastEvent(), "ok", {}); let s = document.getElementById("sm"); s.options[0].selected = s.options[2].selected = true; s.dispatchEvent(new Event("input", {bubbles: true})); true`, nil)
	tab.Wait(`sent.filter(m => m[3] == "event").length == 3`)
	wantJS(t, tab, `lastEvent()[4].v`, "s=a&s=c")
}

// Patches that keep failing rejoin with backoff, then load the page in full.
func TestReviewPatchFailuresReload(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p></div>`, "")
	tab.Eval(`sessionStorage.clear(); window.marker = 1; true`, nil)
	for i := 1; i <= 3; i++ {
		tab.Eval(`push("lv-1", "diff", {d: [[0,[9,9],"x"]]}); true`, nil)
		tab.Wait(fmt.Sprintf(`joins() == %d && document.getElementById("lv-1").classList.contains("live-connected")`, i+1))
	}
	tab.Eval(`push("lv-1", "diff", {d: [[0,[9,9],"x"]]}); true`, nil)
	tab.Wait(`window.ready && !window.marker`)
}

// Patch semantics diff.Apply has: a <template> is opaque, and a splice never
// cuts a surrogate pair.
func TestReviewPatchTemplateAndSurrogates(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><template id="t"></template><p id="p">a😀b</p></div>`, "")
	tab.Eval(`import("/esm.js").then(m => { window.applyPatch = m.applyPatch }); true`, nil)
	tab.Wait(`window.applyPatch`)
	try := func(op string) string {
		return evalJS[string](t, tab, `(() => { try { applyPatch(document.getElementById("lv-1"), [`+op+`]); return "ok" } catch (e) { return e.name } })()`)
	}
	for _, op := range []string{`[3,[0,0],"<i>x</i>"]`, `[7,[1,0],2,1,"x"]`, `[7,[1,0],0,2,"x"]`} {
		if got := try(op); got == "ok" {
			t.Errorf("%s applied", op)
		}
	}
	if got := try(`[7,[1,0],1,2,"X"]`); got != "ok" {
		t.Errorf("splice of the whole pair: %s", got)
	}
	wantJS(t, tab, `document.getElementById("p").textContent`, "aXb")
}

// What the user typed into a form no event carries (a chat box with only
// live-submit) survives a crash and rejoin, which replaces the root.
func TestDraftSurvivesARejoin(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>`+
		`<form id="chat" live-submit="send"><textarea name="body"></textarea></form><input id="other"></div>`, "")
	tab.Type(`#chat textarea`, "half a sentence")
	tab.Focus("#other")
	tab.Eval(`deliver([joinRef("lv-1"), joinRef("lv-1"), "lv:lv-1", "phx_error", {reason: "channel_crash"}]); true`, nil)
	tab.Wait(`joins() == 2 && document.querySelector("#lv-1").classList.contains("live-connected")`)
	wantJS(t, tab, `document.querySelector("#chat textarea").value`, "half a sentence")
}
