package main

import (
	"strings"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

// TestBrowserLikeLightsTheAuthorsBellInEveryTab: Ada likes Bob's post on
// the feed; the bell of each of Bob's two tabs counts it, once; marking
// it read in one tab clears the other's count.
func TestBrowserLikeLightsTheAuthorsBellInEveryTab(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	b := browsertest.New(t)
	bob1, bob2, ada := b.NewTab(t), b.NewTab(t), b.NewTab(t)

	// The tabs share the browser's cookies: each page keeps the user it
	// was served with, signed into its session, so Bob opens his two
	// tabs before Ada signs in.
	signIn(bob1, base, "bob")
	bob1.Navigate(base + "/feed")
	connected(bob1)
	bob1.Type("#new-post-body", "bob's news")
	bob1.Click(`#new-post button[type="submit"]`)
	bob1.WaitText("#posts > li:first-child .body", "bob's news")
	bob2.Navigate(base + "/counter")
	connected(bob2)
	for _, tab := range []*browsertest.Tab{bob1, bob2} {
		// The bell, on every page of a signed-in user, is a live view of
		// its own.
		tab.Wait(`(r => r && r.classList.contains("live-connected"))(document.querySelector("#bell")?.closest("[data-live-root]"))`)
		tab.Wait(`!document.querySelector("#bell-count")`)
	}

	signIn(ada, base, "ada")
	ada.Navigate(base + "/feed")
	connected(ada)
	ada.Click("#posts > li:first-child .like")

	for _, tab := range []*browsertest.Tab{bob1, bob2} {
		tab.WaitText("#bell-count", "1")
	}
	bob2.Click("#bell-button")
	bob2.WaitText("#bell-items", "ada liked your post")
	bob2.Click("#bell-read")
	bob1.Wait(`!document.querySelector("#bell-count")`)
	if got := strings.TrimSpace(bob1.Text("#bell-button")); got != "🔔" {
		t.Errorf("bob's other tab's bell reads %q after marking read", got)
	}
}
