package js_test

import "testing"

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
