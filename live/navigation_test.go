package live_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

func TestRedirectsStayOnTheSite(t *testing.T) {
	t.Parallel()
	srv := newMisc(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	tests := []struct {
		name, path string
		status     int
		location   string
	}{
		{"a path redirects", "/misc?redirect=/counter", http.StatusFound, "/counter"},
		{"another site is refused", "/misc?redirect=https://evil.example/x", http.StatusInternalServerError, ""},
		{"a scheme-relative URL is refused", "/misc?redirect=//evil.example/x", http.StatusInternalServerError, ""},
		{"a backslash trick is refused", "/misc?redirect=/%5Cevil.example", http.StatusInternalServerError, ""},
		{"a tab trick is refused", "/misc?redirect=/%09/evil.example", http.StatusInternalServerError, ""},
		{"a slash, a backslash and a slash are refused", "/misc?redirect=/%5C/evil.example", http.StatusInternalServerError, ""},
		{"RedirectExternal leaves on purpose", "/misc?external=https://example.com/x", http.StatusFound, "https://example.com/x"},
		{"RedirectExternal wants an absolute URL", "/misc?external=javascript:alert(1)", http.StatusInternalServerError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.Get(tt.path)
			if p.Status != tt.status || p.Location != tt.location {
				t.Fatalf("status %d, location %q; want %d, %q", p.Status, p.Location, tt.status, tt.location)
			}
		})
	}
	v := c.Live("/misc")
	if err := v.TryEvent(live.EventClick, "away", url.Values{"to": {"https://evil.example"}}); err == nil {
		t.Fatal("a connected view redirected off the site")
	}
}

// TestNavigationRefusesWhatBrowsersReadAsAnotherSite sends a connected view
// targets that browsers read as another host (they drop tabs and newlines
// and read "\" as "/"): Redirect, PushNavigate and PushPatch all refuse them.
func TestNavigationRefusesWhatBrowsersReadAsAnotherSite(t *testing.T) {
	t.Parallel()
	srv := newMisc(t, live.Options{}, nil)
	for _, event := range []string{"away", "nav", "patch"} {
		for _, to := range []string{"/\t/evil.example", "/\r\n/evil.example", "/\\evil.example", "/\\/evil.example", "\\\\evil.example"} {
			t.Run(event+" "+strconv.Quote(to), func(t *testing.T) {
				t.Parallel()
				v := livetest.Mount(t, srv, "/misc")
				if err := v.TryEvent(live.EventClick, event, url.Values{"to": {to}}); err == nil {
					t.Fatalf("%s to %q: the view was not refused; the browser is at %s", event, to, v.URL())
				}
			})
		}
	}
}

func TestPushPatchInAConnectedMountRunsHandleParams(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newMisc(t, live.Options{}, nil), "/misc?on-join=patch")
	v.Sync("")
	if got := v.Text("#page"); got != "2" {
		t.Fatalf("page = %q: HandleParams did not see the patch", got)
	}
	if got := v.Text("#url"); got != "/misc?page=2" {
		t.Fatalf("url = %q", got)
	}
	if !strings.HasSuffix(v.URL(), "/misc?page=2") {
		t.Fatalf("the browser is at %s", v.URL())
	}
}

func TestTheFlashFollowsANavigationBackToThePagesOwnRoute(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newMisc(t, live.Options{}, nil), "/misc")
	v.Event(live.EventClick, "nav", url.Values{"to": {"/misc2"}})
	if got := v.Text("#flash"); got != "from /misc" {
		t.Fatalf("flash %q on /misc2", got)
	}
	v.Event(live.EventClick, "nav", url.Values{"to": {"/misc"}})
	if got := v.Text("#flash"); got != "from /misc2" {
		t.Fatalf("flash %q back on /misc", got)
	}
}

func TestLiveNavigationStaysWithinItsGroup(t *testing.T) {
	t.Parallel()
	srv := newMisc(t, live.Options{}, nil)
	srv.Page("/admin", func() live.View { return &misc{} }, live.Group("admin"))
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/misc")
	v.Event(live.EventClick, "nav", url.Values{"to": {"/misc2"}}) // same group: live
	if !strings.HasSuffix(v.URL(), "/misc2") {
		t.Fatalf("at %s", v.URL())
	}
	// Into another group, the browser loads the page in full.
	v.Event(live.EventClick, "nav", url.Values{"to": {"/admin"}})
	if v.Redirect() != "/admin" {
		t.Fatalf("a live navigation into another group: redirect %q", v.Redirect())
	}
	if p := v.FollowRedirect(); p.Status != http.StatusOK || !p.Live() {
		t.Fatalf("the full load of /admin: status %d", p.Status)
	}
}
