package main

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live/livetest"
)

func TestTheDashboardNeedsASignedInUser(t *testing.T) {
	t.Parallel()
	a := newTestApp(t) // not in development mode
	p := livetest.NewClient(t, a.live, a.mux).Get("/dashboard")
	if p.Live() || p.Status != http.StatusFound || p.Location != "/signin?next=/dashboard" {
		t.Fatalf("GET /dashboard signed out: status %d to %q", p.Status, p.Location)
	}
	c := signedIn(t, a, "ada")
	c.Live("/rooms/1")
	d := c.Live("/dashboard")
	if !d.Has("#fig-views") {
		t.Fatalf("the signed-in user sees no dashboard:\n%s", d.HTML())
	}
	// The room's presence and PubSub topics are listed.
	d.SyncUntil("the room's presence shows", func() bool {
		return d.Has("#presence") && strings.Contains(d.Text("#presence"), "room:1")
	})
	if !strings.Contains(d.Text("#topics"), "room:1") {
		t.Errorf("the room's PubSub topic is not listed:\n%s", d.HTML())
	}
}

func TestBrowserDashboardFollowsLoadOnAnotherPage(t *testing.T) {
	t.Parallel()
	a, base := serveApp(t)
	tab := browsertest.New(t).NewTab(t)
	signIn(tab, base, "ops")
	tab.Navigate(base + "/dashboard")
	connected(tab)
	var ok bool
	// The page is never reloaded; the events chart's latest value is
	// watched as each patch lands.
	tab.Eval(`window.notReloaded = true, window.maxEvents = 0,
		new MutationObserver(() => { window.maxEvents = Math.max(window.maxEvents, +document.querySelector("#chart-1 .now").textContent) })
			.observe(document.querySelector("#charts"), {subtree: true, childList: true, characterData: true}), true`, &ok)
	tab.Wait(`+document.querySelector("#fig-views b").textContent >= 1`)
	var views0 string
	tab.Eval(`document.querySelector("#fig-views b").textContent`, &views0)
	before, _ := strconv.Atoi(views0)

	// Load on another page: counters clicked by clients over real
	// WebSockets.
	const clients = 20
	load := make([]*livetest.View, clients)
	for i := range load {
		load[i] = livetest.NewClient(t, a.live, a.mux).Live("/counter")
	}
	for range 5 {
		for _, v := range load {
			v.Click("#inc")
		}
	}
	tab.Wait(`+document.querySelector("#fig-views b").textContent >= ` + strconv.Itoa(before+clients))
	tab.Wait(`window.maxEvents > 0`)
	tab.Wait(`window.notReloaded === true`)

	// The routes page, reached by live navigation, charts the counter's
	// events as they come: a bar of its latency histogram grows from
	// nothing as the clients click again, still without a reload.
	const row = `tr[data-route="/counter"]`
	tab.Click(`nav a[href$="/routes"]`)
	tab.Wait(`document.querySelector('` + row + ` .latency-chart rect') !== null`)
	tab.Eval(`window.maxBar = 0,
		new MutationObserver(() => { for (const r of document.querySelectorAll('`+row+` .latency-chart rect')) window.maxBar = Math.max(window.maxBar, +r.getAttribute("height")) })
			.observe(document.body, {subtree: true, childList: true, attributes: true, characterData: true}), true`, &ok)
	for range 5 {
		for _, v := range load {
			v.Click("#inc")
		}
	}
	tab.Wait(`window.maxBar > 0`)
	tab.Wait(`window.notReloaded === true`)
}
