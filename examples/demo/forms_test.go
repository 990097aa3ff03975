package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/templive/templive/live/livetest"
)

// The demo's forms on live.Form, driven by livetest: errors only where the
// user has been, and the sign-in that posts itself once the name is valid.

func TestSignupShowsNoErrorForFieldsLeftEmptyBeforeAReconnect(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/signup")
	// The browser sends the form back on a rejoin; the user had typed a bad
	// email and nothing else.
	v.RejoinWith(map[string]any{"form": map[string]string{"signup": "name=&email=not-an-email&password="}})
	if !v.Has("#signup-email-error") {
		t.Fatalf("no email error after a rejoin with a bad email:\n%s", v.HTML())
	}
	if v.Has("#signup-name-error") || v.Has("#signup-password-error") {
		t.Fatalf("errors shown for fields the user left empty:\n%s", v.HTML())
	}
	if got, _ := v.Attr("#signup-email", "value"); got != "not-an-email" {
		t.Fatalf("email value = %q after the rejoin", got)
	}
}

func TestSignupInputsPointToTheirErrors(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/signup")
	v.Change("#signup", "email", url.Values{"email": {"not-an-email"}})
	if got, _ := v.Attr("#signup-email", "aria-invalid"); got != "true" {
		t.Errorf("the bad email's aria-invalid = %q", got)
	}
	if got, _ := v.Attr("#signup-email", "aria-describedby"); got != "signup-email-error" {
		t.Errorf("the bad email's aria-describedby = %q", got)
	}
	for _, id := range []string{"#signup-name", "#signup-password"} {
		if _, ok := v.Attr(id, "aria-invalid"); ok {
			t.Errorf("%s, untouched, is aria-invalid:\n%s", id, v.HTML())
		}
	}
}

func TestSigninPostsItselfOnceTheNameIsValid(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := livetest.NewClient(t, a.live, a.mux)
	v := c.Live("/signin?next=/feed")

	v.Change("#signin", "name", url.Values{"name": {"ada!"}})
	if !v.Has("#signin-name-error") {
		t.Fatalf("no error for a name with a !:\n%s", v.HTML())
	}
	v.Submit("#signin", url.Values{"name": {"ada!"}})
	if _, ok := v.Attr("#signin", "live-trigger-action"); ok {
		t.Fatalf("a refused name triggers the post:\n%s", v.HTML())
	}
	v.Submit("#signin", url.Values{"name": {"ada"}})
	if _, ok := v.Attr("#signin", "live-trigger-action"); !ok {
		t.Fatalf("a valid name does not trigger the post:\n%s", v.HTML())
	}
	action, _ := v.Attr("#signin", "action")
	method, _ := v.Attr("#signin", "method")
	next, _ := v.Attr(`#signin input[name=next]`, "value")
	if action != "/signin" || method != "post" || next != "/feed" {
		t.Fatalf("the form posts to %s %s with next=%q", method, action, next)
	}

	// What the browser then does: post the form, and follow the redirect
	// signed in.
	p := c.PostForm(action, url.Values{"name": {"ada"}, "next": {next}})
	if p.Status != http.StatusSeeOther || p.Location != "/feed" {
		t.Fatalf("POST /signin: %d to %q", p.Status, p.Location)
	}
	if body := c.Get("/feed").Body; !strings.Contains(body, "ada") || strings.Contains(body, "to post.") {
		t.Fatalf("the feed does not know ada after the sign-in:\n%s", body)
	}
}
