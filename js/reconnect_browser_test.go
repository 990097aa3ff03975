package js_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/templive/templive/internal/browsertest"
)

// Reconnects and rejoins against the fake socket: backoff, joins after a failed
// connection, an event whose reply comes too late, patches that keep failing.

// A server that accepts connections and closes them at once is retried with
// backoff, not some fifty times a second.
func TestReconnectBacksOffWhenConnectionsDropAtOnce(t *testing.T) {
	srv := fakeServer(t, map[string]string{"/page": `<div id="lv-1" data-live-root data-live-session="s"><p>a</p></div>`})
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL + "/page?flap=1")
	tab.Wait(`window.ready`)
	time.Sleep(2 * time.Second)
	if n := evalJS[float64](t, tab, `conns`); n > 20 {
		t.Errorf("%v connections in 2s", n)
	}
}

// A failed first connection does not join each view twice on the next one.
func TestFailedConnectionDoesNotJoinTwice(t *testing.T) {
	tab := openFake(t, hookAndLinksPage, "?fail=1")
	time.Sleep(200 * time.Millisecond)
	wantJS(t, tab, `joins()`, 1.0)
}

// An event whose reply comes after the timeout rejoins the view (with form
// recovery) instead of leaving the DOM without the reply's patch.
func TestEventReplyTimeoutRejoinsWithFormRecovery(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p><form id="f" live-change="v"><input name="x" value="1"></form><button id="b" live-click="save">Save</button></div>`, "?timeout=300")
	tab.Click("#b")
	tab.Wait(`lastEvent()`)
	tab.Wait(`joins() == 2`)
	tab.WaitClass("#lv-1", "live-connected")
	wantJS(t, tab, `JSON.stringify(lastEvent("phx_join")[4].form)`, `{"f":"x=1"}`)
	wantJS(t, tab, `document.getElementById("b").className`, "")
}

// Patches that keep failing rejoin with backoff, then load the page in full.
func TestFailingPatchesRejoinWithBackoffThenReload(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><p id="p">a</p></div>`, "")
	tab.Eval(`sessionStorage.clear(); window.marker = 1; true`, nil)
	for i := 1; i <= 3; i++ {
		tab.Eval(`push("lv-1", "diff", {d: [[0,[9,9],"x"]]}); true`, nil)
		tab.Wait(fmt.Sprintf(`joins() == %d && document.getElementById("lv-1").classList.contains("live-connected")`, i+1))
	}
	tab.Eval(`push("lv-1", "diff", {d: [[0,[9,9],"x"]]}); true`, nil)
	tab.Wait(`window.ready && !window.marker`)
}
