package js_test

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// Client commands against the fake socket: the test plays the server, and
// window.sent holds every frame the page sent.

// attr writes commands as an attribute value, as templ does.
func attr(c live.Commands) string { return `"` + html.EscapeString(c.String()) + `"` }

var fade = live.Transition{Start: "fade-start", Active: "fade-active", End: "fade-end", Time: 150 * time.Millisecond}

// commandsPage has, as the root's children in this order (no whitespace, so the
// test's patches can count): #other, #wrap (#menu-btn, #menu), #outside,
// #fade, #modal (a FocusWrap), #bad, #bad2, #after, #evil1, #evil2, #bad3,
// #bad4, #evil3, #frame.
func commandsPage(t *testing.T) string {
	t.Helper()
	var wrap bytes.Buffer
	children := templ.Raw(`<button id="first">first</button><input id="middle"><button id="last">last</button>`)
	err := live.FocusWrap("dialog", templ.Attributes{"class": "dialog"}).Render(templ.WithChildren(context.Background(), children), &wrap)
	if err != nil {
		t.Fatal(err)
	}
	closeModal := live.JS().Hide("#modal").PopFocus()
	return `<style>.fade-start{opacity:0}.fade-active{transition:opacity 150ms}.fade-end{opacity:1}</style>` +
		`<div id="lv-1" data-live-root data-live-session="s">` +
		`<p id="other">0</p>` +
		`<div id="wrap" live-click-away=` + attr(live.JS().Hide("#menu")) + `>` +
		`<button id="menu-btn" class="btn" aria-expanded="false" live-click=` +
		attr(live.JS().Toggle("#menu").ToggleClass("open", "#menu-btn").SetAttribute("aria-expanded", "true", "#menu-btn")) + `>Menu</button>` +
		`<ul id="menu" style="display: none"><li id="item" live-value-id="7" live-click=` +
		attr(live.JS().Push("pick", url.Values{"x": {"1"}}).Hide("#menu")) + `>A</li></ul></div>` +
		`<button id="outside" live-click=` + attr(live.JS().PushFocus("").Show("#modal").FocusFirst("#dialog")) + `>open modal</button>` +
		`<div id="fade" style="display: none">fade</div>` +
		`<div id="modal" style="display: none" data-cancel=` + attr(closeModal) +
		` live-window-keydown=` + attr(live.JS().Exec("data-cancel", "#modal")) + ` live-key="Escape">` + wrap.String() + `</div>` +
		`<button id="bad" live-click='[["nope",{}]]'>bad</button>` +
		`<button id="bad2" live-click="[not json">bad2</button>` +
		`<p id="after">a</p>` +
		`<button id="evil1" live-click=` + attr(live.JS().SetAttribute("onclick", "window.pwned = 1", "")) + `>evil1</button>` +
		`<button id="evil2" live-click=` + attr(live.JS().Navigate("javascript:window.pwned = 2")) + `>evil2</button>` +
		`<button id="bad3" live-click='[["constructor",{}],["__defineGetter__",{}]]'>bad3</button>` +
		`<button id="bad4" live-click='[["show","#fade"]]'>bad4</button>` +
		`<button id="evil3" live-click=` + attr(live.JS().SetAttribute("srcdoc", "<script>parent.pwned = 3</script>", "#frame")) + `>evil3</button>` +
		`<iframe id="frame"></iframe>` +
		`</div>`
}

// openCommands opens the commands page and counts the events it sends.
func openCommands(t *testing.T) *browsertest.Tab {
	t.Helper()
	return openFake(t, commandsPage(t), "")
}

// events returns how many "event" frames the page sent.
func events(t *testing.T, tab *browsertest.Tab) int {
	t.Helper()
	return int(evalJS[float64](t, tab, `sent.filter(m => m[3] == "event").length`))
}

func TestADropdownOpensWithoutAFrameAndStaysOpenAcrossPatches(t *testing.T) {
	tab := openCommands(t)
	tab.Click("#menu-btn")
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)
	wantJS(t, tab, `document.querySelector("#menu-btn").className`, "btn open")
	wantJS(t, tab, `document.querySelector("#menu-btn").getAttribute("aria-expanded")`, "true")
	if n := events(t, tab); n != 0 {
		t.Fatalf("opening the menu sent %d events", n)
	}

	// The server re-renders another part of the page: the menu stays open.
	tab.Eval(`push("lv-1", "diff", {d: [[0,[0,0],"1"]]}); true`, nil)
	wantJS(t, tab, `document.querySelector("#other").textContent`, "1")
	wantJS(t, tab, `document.querySelector("#menu").checkVisibility()`, true)
	// It sets the attributes the commands changed again, to the values they had
	// (as a diff does when an attribute before them changes): the browser's stay.
	tab.Eval(`push("lv-1", "diff", {d: [[2,[1,0],"class"],[2,[1,0],"aria-expanded"],[1,[1,0],"data-x","1"],
		[1,[1,0],"class","btn"],[1,[1,0],"aria-expanded","false"],[1,[1,1],"style","display: none"]]}); true`, nil)
	wantJS(t, tab, `document.querySelector("#menu").checkVisibility()`, true)
	wantJS(t, tab, `document.querySelector("#menu-btn").className`, "btn open")
	wantJS(t, tab, `document.querySelector("#menu-btn").getAttribute("aria-expanded")`, "true")
	// It changes what the commands changed: the server's value wins.
	tab.Eval(`push("lv-1", "diff", {d: [[1,[1,0],"class","btn active"],[1,[1,0],"aria-expanded","mixed"]]}); true`, nil)
	wantJS(t, tab, `document.querySelector("#menu-btn").className`, "btn active")
	wantJS(t, tab, `document.querySelector("#menu-btn").getAttribute("aria-expanded")`, "mixed")
	wantJS(t, tab, `document.querySelector("#menu").checkVisibility()`, true)
	tab.Eval(`push("lv-1", "diff", {d: [[1,[1,1],"style","display: none; color: red"]]}); true`, nil)
	wantJS(t, tab, `document.querySelector("#menu").checkVisibility()`, false)
	tab.Click("#menu-btn")
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)

	// A Push in a chain sends its event with the element's values and its own.
	tab.Click("#item")
	tab.Wait(`lastEvent() && lastEvent()[4].e == "pick"`)
	wantJS(t, tab, `JSON.stringify({...lastEvent()[4], q: undefined})`, `{"t":"click","v":"id=7&x=1","e":"pick","el":"item"}`)
	wantJS(t, tab, `document.querySelector("#menu").checkVisibility()`, false)
	if n := events(t, tab); n != 1 {
		t.Fatalf("%d events, want the push's only", n)
	}
}

func TestClickAwayClosesButClicksInsideDoNot(t *testing.T) {
	tab := openCommands(t)
	tab.Click("#menu-btn")
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)
	// A click inside the element is no click away.
	tab.Eval(`document.querySelector("#wrap").click(); true`, nil)
	wantJS(t, tab, `document.querySelector("#menu").checkVisibility()`, true)
	// Nor is a drag that started inside and ended outside.
	tab.Eval(`document.querySelector("#menu").dispatchEvent(new MouseEvent("mousedown", {bubbles: true}));
		document.querySelector("#other").click(); true`, nil)
	wantJS(t, tab, `document.querySelector("#menu").checkVisibility()`, true)
	tab.Click("#other")
	tab.Wait(`!document.querySelector("#menu").checkVisibility()`)
	// A click on the toggle while the menu is hidden opens it: the click away
	// ran before it, on a hidden menu, and did nothing.
	tab.Click("#menu-btn")
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)
	if n := events(t, tab); n != 0 {
		t.Fatalf("sent %d events", n)
	}
}

func TestTransitionsApplyTheirClassesInOrder(t *testing.T) {
	tab := openCommands(t)
	// The log holds each change of #fade's class and style, by its old value.
	tab.Eval(`window.log = []; new MutationObserver(rs => rs.forEach(r => r.attributeName != "live-click" && log.push(r.attributeName + ":" + r.oldValue)))
		.observe(document.querySelector("#fade"), {attributes: true, attributeOldValue: true}); true`, nil)
	run := func(c live.Commands) {
		t.Helper()
		tab.Eval(fmt.Sprintf(`(el => { el.setAttribute("live-click", %s); log.length = 0; el.click(); return true })(document.querySelector("#fade"))`,
			jsString(c.String())), nil)
	}
	run(live.JS().Show("#fade", fade))
	// Start and active first, then the element shows, then start gives way to
	// end; after the time, active and end go.
	tab.Wait(`document.querySelector("#fade").className == "" && log.length >= 5`)
	want := `class:null,style:display: none,class:fade-start fade-active,class:fade-active,class:fade-active fade-end`
	wantJS(t, tab, `log.join()`, want)
	wantJS(t, tab, `document.querySelector("#fade").checkVisibility()`, true)

	run(live.JS().Hide("#fade", live.Transition{Start: "fade-end", Active: "fade-active", End: "fade-start", Time: 150 * time.Millisecond}))
	tab.Wait(`!document.querySelector("#fade").checkVisibility()`)
	// Hidden only once the transition ended.
	wantJS(t, tab, `log.join()`, `class:,class:fade-end fade-active,class:fade-active,class:fade-active fade-start,style:`)
	if n := events(t, tab); n != 0 {
		t.Fatalf("sent %d events", n)
	}
}

func TestFocusStaysInTheOpenModalAndEscapeClosesIt(t *testing.T) {
	tab := openCommands(t)
	tab.Focus("#outside")
	tab.Click("#outside")
	tab.Wait(`document.activeElement && document.activeElement.id == "first"`)
	key := func(k string, opts ...chromedp.KeyOption) {
		t.Helper()
		if err := chromedp.Do(tab.Context(), chromedp.KeyEvent(k, opts...)); err != nil {
			t.Fatal(err)
		}
	}
	// Shift+Tab from the first element goes round to the last.
	key(kb.Tab, chromedp.KeyModifiers(chromedp.ModifierShift))
	tab.Wait(`document.activeElement.id == "last"`)
	// Tab from the last goes round to the first.
	key(kb.Tab)
	tab.Wait(`document.activeElement.id == "first"`)
	key(kb.Tab)
	tab.Wait(`document.activeElement.id == "middle"`)
	// Escape closes the modal and gives the focus back to what opened it.
	key(kb.Escape)
	tab.Wait(`!document.querySelector("#modal").checkVisibility()`)
	tab.Wait(`document.activeElement.id == "outside"`)
	if n := events(t, tab); n != 0 {
		t.Fatalf("sent %d events", n)
	}
}

func TestServerCommandsAndEventsReachThePage(t *testing.T) {
	tab := openCommands(t)
	tab.Eval(`window.heard = []; addEventListener("templive:hi", e => heard.push(e.detail)); true`, nil)
	tab.Eval(`push("lv-1", "diff", {ev: [["hi", {n: 1}]], x: [[["show", {to: "#menu"}]], [["add_class", {names: "from-server"}]]]}); true`, nil)
	tab.Wait(`document.querySelector("#menu").checkVisibility()`)
	// A command without a target acts on the view's root.
	wantJS(t, tab, `document.querySelector("#lv-1").classList.contains("from-server")`, true)
	wantJS(t, tab, `JSON.stringify(heard)`, `[{"n":1}]`)
}

func TestPageLoadingEventsWrapAnEventAndAJoin(t *testing.T) {
	tab := openCommands(t)
	tab.Eval(`window.loading = []; for (let k of ["start", "stop"]) addEventListener("templive:page-loading-" + k, e => loading.push(k + ":" + e.detail.kind)); true`, nil)
	tab.Click("#menu-btn")
	tab.Click("#item")
	tab.Wait(`lastEvent()`)
	wantJS(t, tab, `loading.join()`, "start:event")
	tab.Eval(`reply(lastEvent(), "ok", {}); true`, nil)
	tab.Wait(`loading.length == 2`)
	wantJS(t, tab, `loading.join()`, "start:event,stop:event")
	// A live patch from a command: an event too, with the URL.
	tab.Eval(`document.querySelector("#other").setAttribute("live-click", '[["patch",{"href":"/page?x=9"}]]'); true`, nil)
	tab.Click("#other")
	tab.Wait(`lastEvent("live_patch")`)
	wantJS(t, tab, `new URL(lastEvent("live_patch")[4].url).search`, "?x=9")
	wantJS(t, tab, `location.search`, "?x=9")
}

func TestMalformedCommandsAreLoggedAndBreakNothing(t *testing.T) {
	tab := openCommands(t)
	tab.Click("#bad")
	tab.Click("#bad2")
	// Ops that are names of every object's methods, args that are no object.
	tab.Click("#bad3")
	tab.Click("#bad4")
	tab.Wait(`errors.filter(e => e.includes("bad commands")).length == 4`)
	wantJS(t, tab, `document.querySelector("#fade").checkVisibility()`, false)
	if n := events(t, tab); n != 0 {
		t.Fatalf("malformed commands sent %d events", n)
	}
	// Commands that would run script do nothing: an event handler attribute, a
	// javascript: URL.
	tab.Click("#evil1")
	tab.Click("#evil1")
	tab.Click("#evil2")
	tab.Click("#evil3")
	wantJS(t, tab, `document.querySelector("#evil1").hasAttribute("onclick") || document.querySelector("#frame").hasAttribute("srcdoc") || window.pwned || location.pathname`, "/page")
	// The other bindings and the connection work on.
	tab.Click("#menu-btn")
	tab.Click("#item")
	tab.Wait(`lastEvent() && lastEvent()[4].e == "pick"`)
	wantJS(t, tab, `live.views.get("lv-1").channel.state`, "joined")
}

func TestMountedRemoveAndConnectionBindings(t *testing.T) {
	body := `<div id="lv-1" data-live-root data-live-session="s"><p id="other">0</p>` +
		`<p id="net" live-connected=` + attr(live.JS().AddClass("on", "")) +
		` live-disconnected=` + attr(live.JS().RemoveClass("on", "").Dispatch("went-off", "", nil)) + `>net</p>` +
		`<details id="d" live-mounted=` + attr(live.JS().IgnoreAttributes("", "open")) + `><summary>s</summary>x</details>` +
		`<p id="after">a</p></div>`
	tab := openFake(t, `<style>.fade-active{transition:opacity 150ms}.fade-start{opacity:0}</style>`+body, "")
	wantJS(t, tab, `document.querySelector("#net").className`, "on")

	// live-mounted runs on an element a patch inserts, once.
	toast := `<div id="toast" live-mounted=` + attr(live.JS().AddClass("shown", "").Dispatch("toast-mounted", "", nil)) +
		` live-remove=` + attr(live.JS().Hide("", live.Transition{Active: "fade-active", End: "fade-start", Time: 2 * time.Second})) + `>hi</div>`
	tab.Eval(fmt.Sprintf(`window.mounts = 0; document.addEventListener("toast-mounted", () => mounts++);
		push("lv-1", "diff", {d: [[3,[3],%s]]}); true`, jsString(toast)), nil)
	wantJS(t, tab, `document.querySelector("#toast").className`, "shown")
	tab.Eval(`push("lv-1", "diff", {d: [[0,[0,0],"1"]]}); true`, nil)
	wantJS(t, tab, `mounts`, 1.0)

	// live-remove: the element stays while its transition runs, then goes. (The
	// transition runs 2 s; what runs in one Eval sees it at its start.)
	tab.Eval(`push("lv-1", "diff", {d: [[4,[3]]]}); window.leaving = document.querySelector("#toast")?.className; true`, nil)
	wantJS(t, tab, `leaving`, "shown fade-active fade-start")
	tab.Wait(`!document.querySelector("#toast")`)
	// Put back and removed again, then a patch whose paths count only what the
	// server has: the leaving element is gone before it applies.
	tab.Eval(fmt.Sprintf(`push("lv-1", "diff", {d: [[3,[3],%s]]}); push("lv-1", "diff", {d: [[4,[3]]]});
		window.had = !!document.querySelector("#toast"); push("lv-1", "diff", {d: [[0,[3,0],"b"]]}); true`, jsString(toast)), nil)
	wantJS(t, tab, `had`, true)
	wantJS(t, tab, `document.querySelector("#after").textContent`, "b")
	wantJS(t, tab, `!!document.querySelector("#toast")`, false)

	// IgnoreAttributes: the user opened the details; the server's patch of open
	// does not close it.
	tab.Eval(`document.querySelector("#d").open = true; push("lv-1", "diff", {d: [[2,[2],"open"]]}); true`, nil)
	wantJS(t, tab, `document.querySelector("#d").open`, true)

	// live-disconnected runs when the view loses its server, live-connected when
	// it joins again.
	tab.Eval(`window.off = 0; document.addEventListener("went-off", () => off++); push("lv-1", "phx_error", {}); true`, nil)
	tab.Wait(`off == 1`)
	tab.Wait(`joins() == 2 && document.querySelector("#net").className == "on"`)
}

// jsString makes s a JavaScript string literal.
func jsString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// A Show while a Hide's transition runs shows the element (the Hide ends at
// once), and so does a Toggle: the last command wins, as the user meant by
// clicking again.
func TestShowDuringAHideTransitionShows(t *testing.T) {
	slow := live.Transition{Active: "fade-active", End: "fade-out", Time: 2 * time.Second}
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s">`+
		`<button id="hide" live-click=`+attr(live.JS().Hide("#box", slow))+`>hide</button>`+
		`<button id="show" live-click=`+attr(live.JS().Show("#box"))+`>show</button>`+
		`<button id="toggle" live-click=`+attr(live.JS().Toggle("#box", live.Transition{}, slow))+`>toggle</button>`+
		`<div id="box">box</div></div>`, "")
	for _, again := range []string{"#show", "#toggle"} {
		if got := evalJS[string](t, tab, `document.querySelector("#hide").click(); document.querySelector("#box").className`); got != "fade-active fade-out" {
			t.Fatalf("before %s: the box's classes are %q, want the hide's transition running", again, got)
		}
		tab.Click(again)
		// Once no transition runs any more, the box is shown.
		tab.Wait(`document.querySelector("#box").className == ""`)
		wantJS(t, tab, `document.querySelector("#box").checkVisibility()`, true)
	}
}
