package js_test

import (
	"testing"
	"time"
)

// Live navigation against the fake socket: a refused live-patch, links the browser
// keeps, and history entries that differ only in their hash.

// A live-patch the server refuses with "navigate" becomes a live navigation.
func TestRefusedLivePatchBecomesLiveNavigation(t *testing.T) {
	tab := openFake(t, hookAndLinksPage, "")
	tab.Click("#pl")
	tab.Wait(`lastEvent("live_patch")`)
	tab.Eval(`reply(lastEvent("live_patch"), "error", {reason: "navigate"}); true`, nil)
	tab.Wait(`joins() == 2`)
	wantJS(t, tab, `new URL(lastEvent("phx_join")[4].url).search`, "?x=2")
	wantJS(t, tab, `location.search`, "?x=2")
}

// Links to another origin or with a target are the browser's; the view stays.
func TestLinksToOtherOriginsOrTargetsAreTheBrowsers(t *testing.T) {
	tab := openFake(t, hookAndLinksPage, "")
	tab.Eval(`window.prevented = []; document.addEventListener("click", e => { prevented.push(e.defaultPrevented); e.preventDefault() }); true`, nil)
	tab.Click("#far")
	tab.Click("#blank")
	time.Sleep(100 * time.Millisecond)
	wantJS(t, tab, `JSON.stringify(prevented)`, "[false,false]")
	wantJS(t, tab, `live.views.get("lv-1").channel != null && sent.filter(m => m[3] == "phx_leave" || m[3] == "live_patch").length == 0`, true)
}

// Back over an entry that differs only in its hash sends nothing.
func TestBackOverHashOnlyEntrySendsNothing(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p>a</p></div><a id="h" href="#sec">sec</a>`, "")
	tab.Click("#h")
	tab.Wait(`location.hash == "#sec"`)
	tab.Eval(`history.back(); true`, nil)
	tab.Wait(`location.hash == ""`)
	time.Sleep(200 * time.Millisecond)
	wantJS(t, tab, `sent.filter(m => m[3] == "live_patch" || m[3] == "phx_leave").length`, 0.0)
}
