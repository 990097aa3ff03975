package main

import (
	"strconv"
	"testing"
	"time"

	"github.com/templive/templive/internal/browsertest"
)

func TestBrowserDebounceSendsOneEventPerPause(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/lab")
	connected(tab)
	tab.Type("#search", "templive")
	tab.WaitText("#search-q", "templive")
	if n := tab.Text("#search-events"); n != "1" {
		t.Fatalf("typing 8 characters without a pause sent %s events, want 1", n)
	}
}

func TestBrowserThrottleLimitsARapidBurst(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/lab")
	connected(tab)
	// Twenty clicks in one go take far less than the 1 s throttle window.
	start := time.Now()
	tab.Eval(`(b => { for (let i = 0; i < 20; i++) b.click(); return true })(document.querySelector("#burst"))`, nil)
	tab.Wait(`document.querySelector("#burst-events").textContent != "0"`)
	if elapsed := time.Since(start); elapsed > 900*time.Millisecond {
		t.Logf("the burst took %v; the machine is slow, the count below may include a second window", elapsed)
	}
	n, _ := strconv.Atoi(tab.Text("#burst-events"))
	if n < 1 || n > 2 {
		t.Fatalf("20 rapid clicks sent %d events, want 1 (2 at most if the throttle window ended mid-way)", n)
	}
}

func TestBrowserHookLifecycleAndPushedEvents(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/lab")
	connected(tab)
	// mounted ran, and its pushEvent got the view's reply.
	tab.Wait(`document.querySelector("#pinger").dataset.reply == "hello, hook"`)
	tab.WaitText("#hook-said", "hook mounted")
	// The server pushes an event to the hook.
	tab.Click("#ping")
	tab.Wait(`document.querySelector("#pinger").dataset.lastPing == "1"`)
	// A re-render of the hook's element calls updated.
	tab.Click("#bump")
	tab.Wait(`document.querySelector("#pinger").dataset.log.includes("updated")`)
	// Removing the element calls destroyed.
	tab.Click("#toggle-hook")
	tab.Wait(`window.pingerDestroyed === true && !document.querySelector("#pinger")`)
}
