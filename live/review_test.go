package live_test

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// misc is a view whose events exercise the corners of the runtime.
type misc struct {
	items  *live.Stream[string]
	params url.Values
	ended  chan error
	n      int
}

func (m *misc) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if s.Adopted() {
		return nil // the documented mount-once pattern: keep what the GET built
	}
	m.items = live.NewStream(s, "items", func(v string) string { return "it-" + v })
	m.items.Insert("a")
	if s.Connected() {
		switch params.Get("on-join") {
		case "patch":
			s.PushPatch("/misc?page=2")
		case "redirect":
			s.SendAfter(time.Hour, "never")
			s.Redirect("/counter")
		}
	}
	if to := params.Get("redirect"); to != "" {
		s.Redirect(to)
	}
	if to := params.Get("external"); to != "" {
		s.RedirectExternal(to)
	}
	return nil
}

func (m *misc) HandleParams(ctx context.Context, s *live.Socket, params url.Values) error {
	m.params = params
	return nil
}

func (m *misc) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		s := live.SocketFrom(ctx)
		fmt.Fprintf(w, `<p id="page">%s</p><p id="url">%s</p><p id="flash">%s</p><button id="b" live-click="x">x</button><ul id="items" live-update="stream">`,
			templ.EscapeString(m.params.Get("page")), templ.EscapeString(s.URL().RequestURI()), templ.EscapeString(s.Flash("info")))
		for _, it := range m.items.Items() {
			fmt.Fprintf(w, `<li id="%s">%s</li>`, it.ID, it.Value)
		}
		_, err := io.WriteString(w, `</ul>`)
		return err
	})
}

func (m *misc) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "nan":
		s.PushEvent("chart", map[string]float64{"avg": math.NaN()})
	case "insert-delete":
		m.items.Insert("gone")
		m.items.Delete("gone")
	case "insert":
		m.n++
		m.items.Insert(fmt.Sprint(m.n))
	case "reply-from-click":
		s.Reply("secret")
	case "away":
		s.Redirect(ev.Value("to"))
	case "nav":
		s.PutFlash("info", "from "+s.URL().Path)
		s.PushNavigate(ev.Value("to"))
	}
	return nil
}

func (m *misc) Terminate(reason error) {
	if m.ended != nil {
		select {
		case m.ended <- reason:
		default:
		}
	}
}

func newMisc(t *testing.T, opts live.Options, ended chan error) *live.Server {
	t.Helper()
	srv, _ := newServer(t, opts, nil)
	srv.Page("/misc", func() live.View { return &misc{ended: ended} })
	srv.Page("/misc2", func() live.View { return &misc{ended: ended} })
	return srv
}

func TestAPushThatCannotBeEncodedCrashesTheViewInsteadOfLosingThePatch(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newMisc(t, live.Options{}, nil), "/misc")
	if err := v.TryEvent(live.EventClick, "nan", nil); err == nil || !strings.Contains(err.Error(), "crashed") {
		t.Fatalf("got %v, want a crash", err)
	}
}

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

func TestInsertingAndDeletingAnItemInOneRenderIsFine(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newMisc(t, live.Options{}, nil), "/misc")
	v.Event(live.EventClick, "insert-delete", nil)
	if got := strings.Join(v.Texts("#items > li"), ","); got != "a" {
		t.Fatalf("items %q", got)
	}
}

func TestAnAdoptedViewKeepsItsStreams(t *testing.T) {
	t.Parallel()
	srv := newMisc(t, live.Options{MountOnce: true}, nil)
	v := livetest.Mount(t, srv, "/misc")
	if srv.Stats().Adoptions != 1 {
		t.Fatal("the view was not adopted")
	}
	v.Event(live.EventClick, "insert", nil)
	v.Event(live.EventClick, "insert", nil)
	if got := strings.Join(v.Texts("#items > li"), ","); got != "a,1,2" {
		t.Fatalf("items %q", got)
	}
}

func TestAReplyFromAClickDoesNotLeakIntoAHook(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newMisc(t, live.Options{}, nil), "/misc")
	v.Event(live.EventClick, "reply-from-click", nil)
	if got := v.Hook("other", nil); string(got) != "null" {
		t.Fatalf("the hook got %s", got)
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

func TestAJoinRefusedAfterMountEndsTheView(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	srv := newMisc(t, live.Options{}, ended)
	c := livetest.NewClient(t, srv, nil)
	p := c.Get("/misc?on-join=redirect")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	// The connected Mount redirects: the join is refused, and the view that
	// was mounted for it (with a timer running) must end.
	err := c.TryLive("/misc?on-join=redirect")
	if err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("join: %v", err)
	}
	select {
	case <-ended:
	case <-time.After(livetest.Timeout):
		t.Fatal("Terminate was not called for the refused join")
	}
}

func TestSignOutDisconnectsTheUsersLiveViews(t *testing.T) {
	t.Parallel()
	srv := newMisc(t, live.Options{
		Session: func(r *http.Request) (live.Session, error) {
			if c, err := r.Cookie("user"); err == nil {
				return live.Session{"user": c.Value}, nil
			}
			return nil, nil
		},
		SocketID: func(s live.Session) string { return "user:" + s.Get("user") },
	}, nil)
	c := livetest.NewClient(t, srv, nil)
	c.SetCookie(&http.Cookie{Name: "user", Value: "ada"})
	v := c.Live("/misc")
	if err := srv.Disconnect(t.Context(), "user:ada"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(livetest.Timeout)
	for v.TryEvent(live.EventClick, "x", nil) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the view is still connected after Disconnect")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestDecodeFormIgnoresEmptyValueLists(t *testing.T) {
	t.Parallel()
	var f struct{ N int }
	if err := live.DecodeForm(url.Values{"n": {}}, &f); err != nil || f.N != 0 {
		t.Fatalf("got %v, %+v", err, f)
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

// nested renders a form inside a form, which the browser cannot receive as
// a patch: parsed in place, the inner form is dropped.
type nested struct{ n int }

func (v *nested) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *nested) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		// The inner form's id changes on every click, so the patch replaces
		// it with its HTML, which parses in place without the form: two
		// inputs where the server's render has one form.
		_, err := fmt.Fprintf(w, `<form id="a"><div><form></form><form id="f%d"><input name="y"><input name="z"></form><span id="s">%d</span></div></form><p id="n">%d</p><button id="b" live-click="inc">+</button>`, v.n, v.n, v.n)
		return err
	})
}

func (v *nested) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.n++
	return nil
}

func TestMarkupThatCannotTravelAsAPatchDoesNotDerailLaterPatches(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/nested", func() live.View { return &nested{} })
	v := livetest.Mount(t, srv, "/nested")
	for i := 1; i <= 3; i++ {
		v.Click("#b")
		if got := v.Text("#n") + v.Text("#s"); got != fmt.Sprint(i)+fmt.Sprint(i) {
			t.Fatalf("after click %d: n = %q\n%s", i, got, v.HTML())
		}
	}
}
