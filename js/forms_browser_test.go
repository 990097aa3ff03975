package js_test

import (
	"fmt"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

// Forms and fields against the fake socket: the focused field and its value across a
// patch, what a field's live-change sends, what the user typed across a rejoin, and a
// live-disable-with button patched while its event is in flight.

const buttonAndFieldsPage = `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>` +
	`<button id="b" live-click="save" live-disable-with="Saving"><i>icon</i> Save <span id="n">3</span></button>` +
	`<input id="cb" type="checkbox" name="agree" live-change="agree" checked>` +
	`<select id="sm" name="s" multiple live-change="pick"><option>a</option><option>b</option><option>c</option></select></div>`

// A focused field without an id keeps its own value and focus across a patch;
// another field with the same name gets neither.
func TestPatchKeepsFocusedFieldWithoutID(t *testing.T) {
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

// A field's own live-change sends its value as a form would: nothing for an
// unchecked box, every selected option of a select[multiple].
func TestFieldChangeSendsValuesAsAFormWould(t *testing.T) {
	tab := openFake(t, buttonAndFieldsPage, "")
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

// A diff push while an event is in flight applies to the button as the server
// knows it, and the button keeps it after the reply.
func TestDiffPushInFlightPatchesButtonAsServerKnowsIt(t *testing.T) {
	tab := openFake(t, buttonAndFieldsPage, "")
	tab.Click("#b")
	tab.Wait(`lastEvent()`)
	tab.Eval(`push("lv-1", "diff", {d: [[0,[1,2,0],"4"]]}); true`, nil)
	wantJS(t, tab, `document.getElementById("b").textContent + document.getElementById("b").disabled`, "Savingtrue")
	tab.Eval(`reply(lastEvent(), "ok", {}); true`, nil)
	wantJS(t, tab, `document.getElementById("b").outerHTML`, `<button id="b" live-click="save" live-disable-with="Saving"><i>icon</i> Save <span id="n">4</span></button>`)
	wantJS(t, tab, `errors.length + ":" + joins()`, "0:1")
}

// A diff push while an event is in flight that changes the live-disable-with
// button's text and disables it: after the reply, the button has the server's text
// and stays disabled.
func TestDiffPushInFlightKeepsServersTextAndDisabled(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><button id="b" live-click="save" live-disable-with="Saving">Save 3</button></div>`, "")
	tab.Click("#b")
	tab.Wait(`lastEvent()`)
	tab.Eval(`push("lv-1", "diff", {d: [[0,[0,0],"Save 4"], [1,[0],"disabled",""]]}); true`, nil)
	tab.Eval(`reply(lastEvent(), "ok", {}); true`, nil)
	wantJS(t, tab, `document.getElementById("b").textContent + ":" + document.getElementById("b").disabled`, "Save 4:true")
	wantJS(t, tab, `errors.length`, 0.0)
}

// A keydown or keyup on a field sends the field's value, as it is when the event
// goes (after its debounce): a live-keyup search box is not an empty query.
func TestKeyEventsOnAFieldSendItsValue(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>`+
		`<input id="q" live-keyup="search" live-value-page="2"><div id="d" live-keydown="key" live-value-x="1" tabindex="0">d</div></div>`, "")
	tab.Type("#q", "go")
	tab.Wait(`sent.filter(m => m[3] == "event").length == 2`)
	wantJS(t, tab, `lastEvent()[4].v + " " + lastEvent()[4].k`, "value=go&page=2 o")
	tab.Eval(`reply(lastEvent(), "ok", {}); document.getElementById("d").dispatchEvent(new KeyboardEvent("keydown", {key: "a", bubbles: true})); true`, nil)
	tab.Wait(`sent.filter(m => m[3] == "event").length == 3`)
	wantJS(t, tab, `lastEvent()[4].v`, "x=1")
}

// A rejoin sends the forms to recover, but those with live-auto-recover="ignore".
func TestFormRecoveryLeavesOutIgnoredForms(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>`+
		`<form id="f" live-change="v"><input name="x" value="1"></form>`+
		`<form id="pager" live-change="filter" live-auto-recover="ignore"><input name="page" value="3"></form>`+
		`<form id="draft" live-change="typing" live-auto-recover="restore"><input name="body" value="hi"></form></div>`, "")
	tab.Eval(`deliver([joinRef("lv-1"), joinRef("lv-1"), "lv:lv-1", "phx_error", {reason: "channel_crash"}]); true`, nil)
	tab.Wait(`joins() == 2`)
	wantJS(t, tab, `JSON.stringify(lastEvent("phx_join")[4].form)`, `{"f":"x=1","draft":"body=hi"}`)
}

// A patch that gives a form live-trigger-action submits it as a plain HTTP form,
// once, even when a field named "submit" hides the form's submit method.
func TestTriggerActionSubmitsTheFormOnce(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>`+
		`<form id="f" action="/page" method="get" live-submit="signin"><input name="name" value="ada"><button name="submit" value="go">Go</button></form></div>`, "")
	tab.Eval(`window.marker = 1; push("lv-1", "diff", {d: [[0,[0,0],"b"]]}); true`, nil)
	wantJS(t, tab, `String(window.marker) + location.search`, "1")
	tab.Eval(`push("lv-1", "diff", {d: [[1,[1],"live-trigger-action",""]]}); true`, nil)
	tab.Wait(`window.ready && !window.marker`)
	wantJS(t, tab, `location.search`, "?name=ada")
}

// The caret of a focused contenteditable stays where it is when a patch sets its
// text (to what the user typed, or changes it after the caret), and comes back,
// with the focus, when a rejoin replaces the element.
func TestContentEditableKeepsItsCaret(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p>`+
		`<div id="ed" contenteditable live-update="ignore">hello world</div><div id="ed2" contenteditable>hello world</div></div>`, "")
	caret := func(id string) string {
		return fmt.Sprintf(`(e => { let s = getSelection(); let r = document.createRange(); r.setStart(e, 0); r.setEnd(s.focusNode, s.focusOffset); `+
			`return (document.activeElement == e) + ":" + r.toString().length + ":" + e.textContent })(document.getElementById(%q))`, id)
	}
	tab.Eval(`(e => { e.focus(); getSelection().collapse(e.firstChild, 5); return true })(document.getElementById("ed2"))`, nil)
	tab.Eval(`push("lv-1", "diff", {d: [[0,[2,0],"hello world!"]]}); true`, nil)
	wantJS(t, tab, caret("ed2"), "true:5:hello world!")
	tab.Eval(`push("lv-1", "diff", {d: [[0,[2,0],"hey, hello world!"]]}); true`, nil)
	wantJS(t, tab, caret("ed2"), "true:10:hey, hello world!")

	tab.Eval(`(e => { e.focus(); getSelection().collapse(e.firstChild, 7); return true })(document.getElementById("ed"))`, nil)
	tab.Eval(`deliver([joinRef("lv-1"), joinRef("lv-1"), "lv:lv-1", "phx_error", {reason: "channel_crash"}]); true`, nil)
	tab.Wait(`joins() == 2 && document.querySelector("#lv-1").classList.contains("live-connected")`)
	wantJS(t, tab, caret("ed"), "true:7:hello world")
	wantJS(t, tab, `errors.length`, 0.0)
}

// triggerForm is a sign-in form posted, once triggered, into the iframe #sink
// outside the root, so that the page stays and can count the posts.
func triggerForm(trigger bool) string {
	attr := ""
	if trigger {
		attr = ` live-trigger-action`
	}
	return `<p id="p">a</p><form id="f" action="/esm.js" method="get" target="sink" live-submit="signin"` + attr + `>` +
		`<input name="name" value="ada"><button id="in" name="op" value="in">In</button><button id="up" name="op" value="up">Up</button></form>`
}

const triggerPage = `<div id="lv-1" data-live-root data-live-session="s">%s</div><iframe name="sink" id="sink"></iframe>`

// posts is how many posts reached #sink, with the query of the last.
const posts = `String(window.posts) + (window.posts ? document.getElementById("sink").contentWindow.location.search : "")`

// countPosts counts the posts that reach #sink, and window.submits the
// forms the client submits, when it does.
func countPosts(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	tab.Eval(`window.posts = 0; window.submits = 0; document.getElementById("sink").onload = () => posts++
const submit = HTMLFormElement.prototype.submit
HTMLFormElement.prototype.submit = function () { submits++; return submit.call(this) }
true`, nil)
}

// The form a trigger submits carries the button the user submitted it with,
// as the browser's own submit would.
func TestTriggerActionSendsTheSubmitter(t *testing.T) {
	tab := openFake(t, fmt.Sprintf(triggerPage, triggerForm(false)), "")
	countPosts(t, tab)
	tab.Click("#up")
	tab.Wait(`lastEvent() && lastEvent()[4].t == "submit"`)
	wantJS(t, tab, `lastEvent()[4].v`, "name=ada&op=up")
	tab.Eval(`reply(lastEvent(), "ok", {d: [[1,[1],"live-trigger-action",""]]}); true`, nil)
	tab.Wait(`window.posts == 1`)
	wantJS(t, tab, posts, "1?name=ada&op=up")
	// The button's value went along as a field of its own, which is gone.
	wantJS(t, tab, `document.querySelectorAll("#f input").length`, 1.0)
}

// A join whose render gives a form live-trigger-action submits it (a view
// adopted after the connection dropped under the submit's reply), with the
// button it was submitted with; a rejoin that renders it again, once the
// form had it, does not submit it twice.
func TestTriggerActionOnTheJoinRender(t *testing.T) {
	tab := openFake(t, fmt.Sprintf(triggerPage, triggerForm(false)), "")
	countPosts(t, tab)
	tab.Click("#in")
	tab.Wait(`lastEvent() && lastEvent()[4].t == "submit"`)
	// The reply is lost: the channel errors and the view rejoins, and the
	// server's render now has the trigger.
	tab.Eval(`initial["lv-1"] = `+jsString(triggerForm(true))+`; deliver([joinRef("lv-1"), joinRef("lv-1"), "lv:lv-1", "phx_error", {}]); true`, nil)
	tab.Wait(`window.posts == 1`)
	wantJS(t, tab, posts, "1?name=ada&op=in")
	tab.Eval(`deliver([joinRef("lv-1"), joinRef("lv-1"), "lv:lv-1", "phx_error", {}]); true`, nil)
	tab.Wait(`joins() == 3 && document.querySelector("#lv-1").classList.contains("live-connected")`)
	wantJS(t, tab, `submits`, 1.0)
}
