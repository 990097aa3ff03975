package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

// The demo's forms in Chromium: errors only where the user has been, the
// sign-in that posts itself, form recovery as each form asks, and key
// events that carry what the field holds.

func TestBrowserSignupShowsNoErrorForUntouchedFields(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/signup")
	connected(tab)

	tab.Type("#signup-name", "Ada")
	tab.Type("#signup-email", "ada@")
	tab.WaitText("#signup-email-error", "email address")
	var state struct {
		Errors      []string `json:"errors"`
		Invalid     []string `json:"invalid"`
		DescribedBy string   `json:"describedBy"`
	}
	tab.Eval(`({errors: [...document.querySelectorAll("#signup .error")].map(e => e.id),
		invalid: [...document.querySelectorAll("#signup [aria-invalid]")].map(e => e.id),
		describedBy: document.querySelector("#signup-email").getAttribute("aria-describedby")})`, &state)
	if strings.Join(state.Errors, " ") != "signup-email-error" || strings.Join(state.Invalid, " ") != "signup-email" ||
		state.DescribedBy != "signup-email-error" {
		t.Fatalf("after typing a name and a bad email: %+v, want the email's error only", state)
	}

	// A submit shows the password's error too.
	tab.Click(`#signup button[type="submit"]`)
	tab.WaitText("#signup-password-error", "8 characters")
}

func TestBrowserSigninPostsOnceValidAndSetsTheCookie(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/signin?next=/counter")
	connected(tab)

	tab.Type("#signin-name", "ada!")
	tab.WaitText("#signin-name-error", "letters, digits")
	tab.Click(`#signin button`)
	tab.Wait(`document.querySelector("#signin button").textContent == "Sign in"`) // the submit's reply
	if p := evalString(tab, `location.pathname`); p != "/signin" {
		t.Fatalf("a refused name left the page for %s", p)
	}

	tab.Eval(`(e => { e.value = ""; return true })(document.querySelector("#signin-name"))`, nil)
	tab.Type("#signin-name", "ada")
	tab.Wait(`!document.querySelector("#signin-name-error")`)
	tab.Click(`#signin button`)
	// The server sets live-trigger-action; the browser posts the form to
	// POST /signin, whose cookie (HttpOnly) signs the next pages in.
	tab.Wait(`location.pathname == "/counter"`)
	connected(tab)
	tab.WaitText("nav .user", "ada")
	var cookie string
	tab.Eval(`document.cookie`, &cookie)
	if strings.Contains(cookie, userCookie) {
		t.Errorf("the sign-in cookie is readable from the page: %q", cookie)
	}
}

func TestBrowserFormRecoveryFollowsLiveAutoRecover(t *testing.T) {
	t.Parallel()
	r := &restartable{t: t, addr: fmt.Sprintf("127.0.0.%d:0", 2+hosts.Add(1)%250), secret: []byte(strings.Repeat("r", 32))}
	r.start()
	t.Cleanup(r.stop)
	base := "http://" + r.addr

	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/lab")
	connected(tab)
	tab.Click("#next-page")
	tab.WaitText("#page", "2")
	tab.Click("#next-page")
	tab.WaitText("#page", "3")
	tab.Type("#note", "remember me")
	tab.WaitText("#note-by", "typed")

	r.stop()
	tab.Wait(`(c => c.contains("live-error") || c.contains("live-loading"))(document.querySelector("[data-live-root]").classList)`)
	r.start()
	connected(tab)
	// The note form replays the event it names; the page-size form, left
	// out, does not send the user back to page 1.
	tab.WaitText("#note-by", "recovered after a reconnect")
	tab.WaitText("#note-said", "remember me")
	if p := tab.Text("#page"); p != "3" {
		t.Fatalf("after the restart the pager is on page %s, want 3", p)
	}
}

func TestBrowserKeyupSendsWhatTheFieldHolds(t *testing.T) {
	t.Parallel()
	base := serveDemo(t)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/lab")
	connected(tab)
	tab.Type("#keyup-q", "templive")
	tab.WaitText("#keyup-text", "templive")
	if k := tab.Text("#keyup-key"); k != "e" {
		t.Errorf("last key = %q, want e", k)
	}
}

// evalString evaluates a JavaScript expression whose value is a string.
func evalString(tab *browsertest.Tab, js string) string {
	var s string
	tab.Eval(js, &s)
	return s
}
