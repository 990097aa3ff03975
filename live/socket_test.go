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
	case "patch":
		s.PushPatch(ev.Value("to"))
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

func TestAReplyFromAClickDoesNotLeakIntoAHook(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newMisc(t, live.Options{}, nil), "/misc")
	v.Event(live.EventClick, "reply-from-click", nil)
	if got := v.Hook("other", nil); string(got) != "null" {
		t.Fatalf("the hook got %s", got)
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
