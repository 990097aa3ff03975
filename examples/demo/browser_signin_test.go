package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"testing"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// offSite are targets that look like paths to a naive check but that a
// browser follows to evil.example.
var offSite = []string{
	"//evil.example/",
	"/\\evil.example/",
	"\\\\evil.example/",
	"\\/evil.example/",
	"/\\/evil.example",
	"/\t/evil.example/",
	"\t//evil.example/",
	"/\r\n/evil.example/",
	" //evil.example/",
}

// onSite are targets live.IsLocalPath accepts, some of them close to the
// ones above.
var onSite = []string{
	"/",
	"/rooms/1?tab=2#last",
	"/a//b",
	"/a\\b",
	"/%09/evil.example",
	"/%2F/evil.example",
	"/%5Cevil.example",
	"/.//evil.example",
	"/signin?next=//evil.example",
}

// TestBrowserAgreesWhichPathsAreLocal asks Chromium's URL parser where each
// target leads from a page of the demo: the off-site ones do leave the site
// (and live.IsLocalPath refuses them), the ones it accepts stay.
func TestBrowserAgreesWhichPathsAreLocal(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/signin")
	staysOnSite := func(target string) bool {
		var same bool
		tab.Eval(fmt.Sprintf(`new URL(%s, location.href).host === location.host`, jsString(target)), &same)
		return same
	}
	for _, target := range offSite {
		if staysOnSite(target) {
			t.Errorf("Chromium keeps %q on the site; the case is not an attack", target)
		}
		if live.IsLocalPath(target) {
			t.Errorf("IsLocalPath(%q) = true, but Chromium leaves the site", target)
		}
	}
	for _, target := range onSite {
		if !live.IsLocalPath(target) {
			t.Errorf("IsLocalPath(%q) = false, want true", target)
		}
		if !staysOnSite(target) {
			t.Errorf("IsLocalPath(%q) = true, but Chromium leaves the site", target)
		}
	}
}

// TestBrowserSignInStaysOnTheSite signs in through the form with a hostile
// next= in the link: the browser ends on the demo's home page.
func TestBrowserSignInStaysOnTheSite(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	b := browsertest.New(t)
	for _, next := range []string{"/\\evil.example/", "/\t/evil.example/", "/\\/evil.example"} {
		tab := b.NewTab(t)
		tab.Navigate(base + "/signin?next=" + url.QueryEscape(next))
		connected(tab) // the live form posts itself once the name is valid
		tab.Type(`#signin-name`, "ada")
		tab.Click(`#signin button`)
		tab.Wait(fmt.Sprintf(`location.href === %s`, jsString(base+"/")))
	}
}

// jsString makes s a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestBrowserMembersHookSendsAVisitorToSignIn follows the layout's live
// link to a room without signing in: the room is in the "members" group,
// so the browser loads it in full, and the group's mount hook sends it to
// the sign-in page, which will bring it back.
func TestBrowserMembersHookSendsAVisitorToSignIn(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/counter")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
	tab.Click(`nav a[href="/rooms/1"]`)
	tab.Wait(`location.pathname == "/signin" && new URLSearchParams(location.search).get("next") == "/rooms/1"`)
}
