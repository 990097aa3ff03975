package js_test

import "testing"

// selectPage is a live view with a drop-down and a multiple select, as the
// server rendered them: "c" and "y" selected.
const selectPage = `<div id="lv-1" data-live-root data-live-session="s">` +
	`<select id="s" name="s" live-change="pick"><option>a</option><option>b</option><option selected>c</option></select>` +
	`<select id="m" name="m" multiple><option>x</option><option selected>y</option><option>z</option></select></div>`

// selected is the JS expression of the values select id selects.
func selected(id string) string {
	return `[...document.getElementById("` + id + `").selectedOptions].map(o => o.value).join(",")`
}

// A patch that marks an earlier option selected while a later one stays marked
// selects the later one, as a fresh parse of the new HTML does; setting the
// attribute alone would select the earlier one.
func TestPatchSelectsTheLastOptionMarkedSelected(t *testing.T) {
	t.Parallel()
	tab := openFake(t, selectPage, "")
	tab.Eval(`push("lv-1", "diff", {d: [[1,[0,0],"selected",""]]}); true`, nil)
	wantJS(t, tab, selected("s"), "c")
	// A selected option inserted before it does not take the selection either.
	tab.Eval(`push("lv-1", "diff", {d: [[3,[0,1],"<option selected>a2</option>"]]}); true`, nil)
	wantJS(t, tab, selected("s"), "c")
	// With the last marked option removed, the one before it is selected.
	tab.Eval(`push("lv-1", "diff", {d: [[4,[0,3]]]}); true`, nil)
	wantJS(t, tab, selected("s"), "a2")
	// With no option marked, the first.
	tab.Eval(`push("lv-1", "diff", {d: [[2,[0,0],"selected"],[2,[0,1],"selected"]]}); true`, nil)
	wantJS(t, tab, selected("s"), "a")
	wantJS(t, tab, `errors.length`, 0.0)
}

// After the user picked an option (which makes the options ignore their
// attributes from then on), the server's next choice still shows once the
// server has seen the pick; a multiple select selects every marked option.
func TestPatchSelectsTheServersChoiceAfterTheUsersPick(t *testing.T) {
	t.Parallel()
	tab := openFake(t, selectPage, "")
	tab.Eval(`let s = document.getElementById("s"); s.selectedIndex = 1; s.dispatchEvent(new Event("input", {bubbles: true})); true`, nil)
	tab.Wait(`lastEvent()`)
	tab.Eval(`reply(lastEvent(), "ok", {d: [[2,[0,2],"selected"],[1,[0,1],"selected",""]]}); true`, nil)
	wantJS(t, tab, selected("s"), "b")
	tab.Eval(`push("lv-1", "diff", {d: [[1,[0,0],"selected",""],[2,[0,1],"selected"]]}); true`, nil)
	wantJS(t, tab, selected("s"), "a")

	tab.Eval(`document.getElementById("m").options[2].selected = true; true`, nil)
	tab.Eval(`push("lv-1", "diff", {d: [[1,[1,0],"selected",""],[5,[1,2],0]]}); true`, nil)
	wantJS(t, tab, selected("m"), "x,y")
	wantJS(t, tab, `errors.length`, 0.0)
}

// A focused select keeps the user's pick when a push changes its options
// before the server has seen the pick.
func TestPatchKeepsTheFocusedSelectsPick(t *testing.T) {
	t.Parallel()
	tab := openFake(t, selectPage, "")
	tab.Focus("#s")
	tab.Eval(`document.getElementById("s").selectedIndex = 0; true`, nil)
	tab.Eval(`push("lv-1", "diff", {d: [[1,[0,1],"label","B"],[3,[0,3],"<option>d</option>"]]}); true`, nil)
	wantJS(t, tab, selected("s"), "a")
	wantJS(t, tab, `errors.length`, 0.0)
}

// A patch that makes a select multiple, or single again, selects what a fresh
// parse does: every marked option, then only the last one.
func TestPatchSelectsTheMarkedOptionsWhenASelectBecomesMultiple(t *testing.T) {
	t.Parallel()
	tab := openFake(t, selectPage, "")
	tab.Eval(`push("lv-1", "diff", {d: [[1,[0,0],"selected",""]]}); true`, nil)
	wantJS(t, tab, selected("s"), "c")
	tab.Eval(`push("lv-1", "diff", {d: [[1,[0],"multiple",""]]}); true`, nil)
	wantJS(t, tab, selected("s"), "a,c")
	tab.Eval(`push("lv-1", "diff", {d: [[2,[0],"multiple"]]}); true`, nil)
	wantJS(t, tab, selected("s"), "c")
	wantJS(t, tab, `errors.length`, 0.0)
}
