package live_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/pubsub"
)

// visitorPage shows the visitor id its session carries, and whether it is
// connected.
type visitorPage struct{}

func (visitorPage) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (visitorPage) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		s := live.SocketFrom(ctx)
		state := "static"
		if s.Connected() {
			state = "live"
		}
		_, err := io.WriteString(w, `<p id="visitor">`+templ.EscapeString(s.Session().Get("visitor"))+`</p><p id="state">`+state+`</p>`)
		return err
	})
}

// newVisitorServer serves visitorPage at /visitor behind Server.Visitors,
// with the visitor's id in the session.
func newVisitorServer(t *testing.T) (*live.Server, *pubsub.PubSub) {
	srv, ps := newServer(t, live.Options{Session: func(r *http.Request) (live.Session, error) {
		return live.Session{"visitor": live.VisitorID(r)}, nil
	}}, nil)
	srv.Page("/visitor", func() live.View { return visitorPage{} })
	return srv, ps
}

func TestAVisitorKeepsOneIDFromTheFirstGETToTheLiveView(t *testing.T) {
	t.Parallel()
	srv, _ := newVisitorServer(t)
	h := srv.Visitors(srv)
	c := livetest.NewClient(t, srv, h)
	first := c.Get("/visitor").Text("#visitor")
	if len(first) != 22 {
		t.Fatalf("the first GET's session has visitor %q, want a 22-character id", first)
	}
	if again := c.Get("/visitor").Text("#visitor"); again != first {
		t.Errorf("the second GET has visitor %q, the first %q", again, first)
	}
	v := c.Live("/visitor")
	if v.Text("#state") != "live" || v.Text("#visitor") != first {
		t.Errorf("the live view shows %q (%s), want %q", v.Text("#visitor"), v.Text("#state"), first)
	}
	if other := livetest.NewClient(t, srv, h).Get("/visitor").Text("#visitor"); other == first || other == "" {
		t.Errorf("another browser got visitor %q, the first %q", other, first)
	}
}

func TestVisitorsReplacesACookieItDidNotSign(t *testing.T) {
	t.Parallel()
	srv, ps := newVisitorServer(t)
	// newServer gives every server the same secret.
	foreign := live.NewServer(live.Options{Secret: []byte(strings.Repeat("x", 32)), PubSub: ps})
	t.Cleanup(func() { foreign.Shutdown(context.Background()) })
	genuine := visitorCookie(t, srv)
	cases := []struct {
		name   string
		cookie string // the request's Cookie header
		keep   bool   // the id is the cookie's
	}{
		{name: "a request without the cookie gets a fresh id", cookie: "theme=dark"},
		{name: "a genuine cookie keeps its id", cookie: "theme=dark; " + genuine, keep: true},
		{name: "a forged signature gets a fresh id", cookie: "theme=dark; _live_visitor=" + strings.Repeat("A", 22) + ".forged"},
		{name: "a cookie with another id's signature gets a fresh id", cookie: "_live_visitor=" + strings.Repeat("B", 22) + genuine[len("_live_visitor=")+22:] + "; theme=dark"},
		{name: "a cookie signed with another secret gets a fresh id", cookie: visitorCookie(t, foreign) + "; theme=dark"},
		{name: "a malformed cookie gets a fresh id", cookie: "_live_visitor=nonsense; theme=dark"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var seen struct {
				id, cookie, theme string
			}
			h := srv.Visitors(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen.id = live.VisitorID(r)
				if c, err := r.Cookie("_live_visitor"); err == nil {
					seen.cookie = c.Value
				}
				if c, err := r.Cookie("theme"); err == nil {
					seen.theme = c.Value
				}
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Cookie", tc.cookie)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			set := w.Result().Cookies()
			if tc.keep {
				if len(set) != 0 {
					t.Errorf("a genuine cookie was set again: %v", set)
				}
				if want := genuine[len("_live_visitor=") : len("_live_visitor=")+22]; seen.id != want {
					t.Errorf("id %q, want the cookie's %q", seen.id, want)
				}
				return
			}
			if len(set) != 1 || set[0].Name != "_live_visitor" || !set[0].HttpOnly || set[0].SameSite != http.SameSiteLaxMode {
				t.Fatalf("set cookies %v, want one HttpOnly, SameSite=Lax _live_visitor", set)
			}
			if !strings.HasPrefix(set[0].Value, seen.id+".") || len(seen.id) != 22 {
				t.Errorf("the handler saw id %q, the response sets %q", seen.id, set[0].Value)
			}
			if seen.cookie != set[0].Value {
				t.Errorf("the handler's request carries cookie %q, the response sets %q", seen.cookie, set[0].Value)
			}
			if seen.theme != "dark" && strings.Contains(tc.cookie, "theme") {
				t.Errorf("the request's other cookie was lost: theme=%q", seen.theme)
			}
		})
	}
}

// visitorCookie returns a Cookie header pair "_live_visitor=…" that srv's
// Visitors set for a fresh visitor.
func visitorCookie(t *testing.T, srv *live.Server) string {
	t.Helper()
	w := httptest.NewRecorder()
	srv.Visitors(http.NotFoundHandler()).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
	cs := w.Result().Cookies()
	if len(cs) != 1 {
		t.Fatalf("cookies %v", cs)
	}
	return cs[0].Name + "=" + cs[0].Value
}

func TestVisitorIDIsEmptyWithoutTheMiddleware(t *testing.T) {
	t.Parallel()
	if id := live.VisitorID(httptest.NewRequest(http.MethodGet, "/", nil)); id != "" {
		t.Errorf("VisitorID = %q without Visitors", id)
	}
}
