package live_test

import (
	"net/http/httptest"
	"testing"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// clickTimedJS clicks #inc and resolves with the milliseconds until #count
// changed, measured in the page.
const clickTimedJS = `new Promise(resolve => {
  const count = document.querySelector("#count"), before = count.textContent, start = performance.now()
  new MutationObserver((_, obs) => {
    if (document.querySelector("#count").textContent !== before) { obs.disconnect(); resolve(performance.now() - start) }
  }).observe(document.querySelector("[data-live-root]"), {subtree: true, childList: true, characterData: true})
  document.querySelector("#inc").click()
})`

func TestTheLatencySimulatorDelaysEveryFrameAndLastsTheSession(t *testing.T) {
	srv, _ := newServer(t, live.Options{Dev: true}, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null && typeof templive.liveSocket.enableLatencySim == "function"`)
	var ok bool
	tab.Eval(`templive.liveSocket.enableLatencySim(400), true`, &ok)
	var took float64
	tab.Eval(clickTimedJS, &took)
	// The click's frame waits 400 ms out, its reply 400 ms in: the update
	// cannot show sooner, however fast the machine.
	if took < 800 {
		t.Fatalf("the update showed %.0f ms after the click, with 400 ms of latency each way", took)
	}
	// It lasts across a reload, and stops when disabled.
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null && typeof templive.liveSocket.latencySim == "function"`)
	var ms float64
	tab.Eval(`templive.liveSocket.latencySim()`, &ms)
	if ms != 400 {
		t.Fatalf("after a reload the simulator is at %v ms, want 400", ms)
	}
	tab.Eval(`templive.liveSocket.disableLatencySim(), true`, &ok)
	tab.Eval(`templive.liveSocket.latencySim()`, &ms)
	if ms != 0 {
		t.Fatalf("after disableLatencySim the simulator is at %v ms", ms)
	}
}

func TestTheDebugSwitchLogsFramesInAndOut(t *testing.T) {
	srv, _ := newServer(t, live.Options{Dev: true}, nil)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null && typeof templive.liveSocket.enableDebug == "function"`)
	var ok bool
	tab.Eval(`window.logged = [], console.debug = (...a) => logged.push(a.join(" ")), templive.liveSocket.enableDebug(), true`, &ok)
	tab.Click("#inc")
	tab.WaitText("#count", "1")
	tab.Wait(`logged.some(l => l.startsWith("templive push:") && l.includes("event")) && logged.some(l => l.startsWith("templive receive:") && l.includes("ok"))`)
	tab.Eval(`templive.liveSocket.disableDebug(), logged.length = 0, true`, &ok)
	tab.Click("#inc")
	tab.WaitText("#count", "2")
	var n float64
	tab.Eval(`logged.length`, &n)
	if n != 0 {
		t.Fatalf("%v lines logged after disableDebug", n)
	}
}
