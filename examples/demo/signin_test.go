package main

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// TestSignInFollowsNextOnlyOnTheSite signs in with the next= a link could
// carry: a path on the site is followed, and whatever a browser would read
// as another host (it drops tabs and newlines, and reads "\" as "/") sends
// the user home instead.
func TestSignInFollowsNextOnlyOnTheSite(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	tests := []struct {
		name, next, location string
	}{
		{"a path on the site is followed", "/rooms/1?x=1", "/rooms/1?x=1"},
		{"no next goes home", "", "/"},
		{"another site goes home", "https://evil.example/", "/"},
		{"a scheme-relative URL goes home", "//evil.example/", "/"},
		{"a backslash after the slash goes home", "/\\evil.example/", "/"},
		{"a tab between the slashes goes home", "/\t/evil.example/", "/"},
		{"a slash, a backslash and a slash go home", "/\\/evil.example", "/"},
		{"a newline between the slashes goes home", "/\n/evil.example", "/"},
		{"a leading space goes home", " //evil.example", "/"},
		{"javascript goes home", "javascript:alert(1)", "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := livetest.NewClient(t, a.live, a.mux)
			p := c.PostForm("/signin", url.Values{"name": {"ada"}, "next": {tt.next}})
			if p.Status != http.StatusSeeOther || p.Location != tt.location {
				t.Fatalf("status %d, location %q; want %d, %q", p.Status, p.Location, http.StatusSeeOther, tt.location)
			}
		})
	}
}

func TestSameOriginComparesTheSchemeAndTheHost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tls    bool
		origin string
		want   bool
	}{
		{"an http page posting to the http site", false, "http://demo.example", true},
		{"an https page posting to the https site", true, "https://demo.example", true},
		{"an http page posting to the https site is refused", true, "http://demo.example", false},
		{"an https page posting to the http site is refused", false, "https://demo.example", false},
		{"another host is refused", true, "https://evil.example", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodPost, "http://demo.example/signin", nil)
			if tt.tls {
				r = httptest.NewRequest(http.MethodPost, "https://demo.example/signin", nil)
			}
			r.Header.Set("Origin", tt.origin)
			if got := sameOrigin(r); got != tt.want {
				t.Fatalf("sameOrigin with Origin %s over TLS %v: %v, want %v", tt.origin, tt.tls, got, tt.want)
			}
		})
	}
}

// Signing out closes the user's open tabs, on the live socket and the
// Channels socket alike, so that they reconnect without the user; another
// user's tabs stay.
func TestSignOutDisconnectsTheUsersOpenTabs(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada")
	v := ada.Live("/counter")
	lobby := dialChannels(t, a, "ada", "room:lobby")
	bob := signedIn(t, a, "bob").Live("/counter")
	if p := ada.PostForm("/signout", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("sign out: status %d", p.Status)
	}
	deadline := time.Now().Add(livetest.Timeout)
	for v.TryEvent(live.EventClick, "inc", nil) == nil {
		if time.Now().After(deadline) {
			t.Fatal("ada's live view is still connected after she signed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
	for closed := false; !closed; {
		select {
		case _, ok := <-lobby.frames:
			closed = !ok
		case <-time.After(livetest.Timeout):
			t.Fatal("ada's Channels socket is still open after she signed out")
		}
	}
	bob.Click("#inc")
}
