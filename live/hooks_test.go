package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// memberPage is a page of the "members" group: it shows the user a mount
// hook gave it, and never checks authorization itself.
type memberPage struct {
	user    string
	mounted bool
	events  []string
	infos   []string
	page    string
}

// SetUser is how the group's mount hook hands the view its user.
func (a *memberPage) SetUser(name string) { a.user = name }

func (a *memberPage) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	a.mounted = true
	if s.Connected() {
		s.OnEvent("shortcuts", func(ctx context.Context, s *live.Socket, ev live.Event) (bool, error) {
			if ev.Name == "keyboard" && ev.Key == "?" {
				a.events = append(a.events, "help by hook")
				return true, nil // halt: HandleEvent never sees it
			}
			return false, nil
		})
		s.OnInfo("audit", func(ctx context.Context, s *live.Socket, msg any) (bool, error) {
			a.infos = append(a.infos, fmt.Sprintf("audit %v", msg))
			return msg == "secret", nil
		})
		s.OnParams("tabs", func(ctx context.Context, s *live.Socket, params url.Values) (bool, error) {
			a.page = "hook:" + params.Get("tab")
			return params.Get("tab") == "locked", nil
		})
	}
	return nil
}

func (a *memberPage) HandleParams(ctx context.Context, s *live.Socket, params url.Values) error {
	a.page += " view:" + params.Get("tab")
	return nil
}

func (a *memberPage) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	a.events = append(a.events, "view "+ev.Name+" "+ev.Key)
	if ev.Name == "stop-auditing" {
		s.DetachHook("audit")
	}
	return nil
}

func (a *memberPage) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	a.infos = append(a.infos, fmt.Sprintf("view %v", msg))
	return nil
}

func (a *memberPage) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p id="user">%s</p><p id="events">%s</p><p id="infos">%s</p><p id="page">%s</p><input id="kb" live-keydown="keyboard">`,
			templ.EscapeString(a.user), templ.EscapeString(strings.Join(a.events, "; ")),
			templ.EscapeString(strings.Join(a.infos, "; ")), templ.EscapeString(a.page))
		return err
	})
}

// members is a group's user list, which a test may change between a
// page's GET and its join.
type members struct {
	mu      sync.Mutex
	allowed map[string]bool
	calls   []string
}

func (m *members) allow(name string, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.allowed[name] = ok
}

// requireMember is the group's mount hook: it refuses a visitor who is
// not a member, and gives the view its user.
func (m *members) requireMember(ctx context.Context, s *live.Socket, v live.View, params url.Values) error {
	name := s.Session().Get("user")
	m.mu.Lock()
	ok := m.allowed[name]
	m.calls = append(m.calls, fmt.Sprintf("%s connected=%v", name, s.Connected()))
	m.mu.Unlock()
	if params.Get("hook") == "fail" {
		return errors.New("user store down")
	}
	if !ok {
		s.Redirect("/signin")
		return nil
	}
	if u, ok := v.(interface{ SetUser(string) }); ok {
		u.SetUser(name)
	}
	return nil
}

// newMembersServer serves /memberPage in the group "members", guarded by a
// mount hook, and /counter outside it; the user comes from a cookie.
func newMembersServer(t *testing.T) (*live.Server, *members) {
	t.Helper()
	m := &members{allowed: map[string]bool{"ada": true}}
	srv, _ := newServer(t, live.Options{Session: func(r *http.Request) (live.Session, error) {
		c, err := r.Cookie("user")
		if err != nil {
			return nil, nil
		}
		return live.Session{"user": c.Value}, nil
	}}, nil)
	srv.Page("/account", func() live.View { return &memberPage{} }, live.Group("members"))
	srv.OnMount("members", m.requireMember)
	return srv, m
}

func TestAGroupsMountHookRunsBeforeEveryMount(t *testing.T) {
	t.Parallel()
	srv, m := newMembersServer(t)
	c := livetest.NewClient(t, srv, nil)
	c.SetCookie(&http.Cookie{Name: "user", Value: "ada"})
	v := c.Live("/account")
	if got := v.Text("#user"); got != "ada" {
		t.Errorf("user = %q: the hook did not hand the view its user", got)
	}
	m.mu.Lock()
	calls := strings.Join(m.calls, ", ")
	m.mu.Unlock()
	if calls != "ada connected=false, ada connected=true" {
		t.Errorf("hook calls: %s; want one on the GET and one on the join", calls)
	}
	// A page outside the group has no such hook.
	if p := c.Get("/counter"); p.Status != http.StatusOK {
		t.Errorf("/counter: status %d", p.Status)
	}
}

func TestAMountHookRefusesAVisitorWhoIsNotSignedIn(t *testing.T) {
	t.Parallel()
	srv, m := newMembersServer(t)
	c := livetest.NewClient(t, srv, nil)
	p := c.Get("/account")
	if p.Status != http.StatusFound || p.Location != "/signin" {
		t.Fatalf("GET without a user: status %d, Location %q; want 302 to /signin", p.Status, p.Location)
	}

	// A member revoked between the page's GET and its join is refused too.
	c.SetCookie(&http.Cookie{Name: "user", Value: "bob"})
	m.allow("bob", true)
	p = c.Get("/account")
	if p.Status != http.StatusOK {
		t.Fatalf("GET as a member: status %d", p.Status)
	}
	m.allow("bob", false)
	if err := c.TryJoin(p); err == nil || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("join of a revoked member: %v; want a redirect refusal", err)
	}
	if p := c.Get("/account?hook=fail"); p.Status != http.StatusInternalServerError {
		t.Errorf("a failing hook: status %d, want 500", p.Status)
	}
}

func TestAnEventHookRunsBeforeHandleEventAndMayHalt(t *testing.T) {
	t.Parallel()
	srv, _ := newMembersServer(t)
	c := livetest.NewClient(t, srv, nil)
	c.SetCookie(&http.Cookie{Name: "user", Value: "ada"})
	v := c.Live("/account?tab=home")
	if got := v.Text("#page"); got != "hook:home view:home" {
		t.Errorf("page = %q: the params hook did not run before HandleParams", got)
	}

	v.KeyDown("#kb", "a") // not the hook's key: it goes on to HandleEvent
	v.KeyDown("#kb", "?") // the hook's: it halts
	if got := v.Text("#events"); got != "view keyboard a; help by hook" {
		t.Fatalf("events = %q", got)
	}
}

func TestInfoAndParamsHooksRunFirstAndMayHalt(t *testing.T) {
	t.Parallel()
	srv, _ := newMembersServer(t)
	c := livetest.NewClient(t, srv, nil)
	c.SetCookie(&http.Cookie{Name: "user", Value: "ada"})
	v := c.Live("/account?tab=home")

	v.Send("hello")
	v.Send("secret") // the audit hook halts: HandleInfo never sees it
	if got := v.Text("#infos"); got != "audit hello; view hello; audit secret" {
		t.Errorf("infos = %q", got)
	}
	v.Event(live.EventClick, "stop-auditing", nil)
	v.Send("later")
	if got := v.Text("#infos"); !strings.HasSuffix(got, "audit secret; view later") {
		t.Errorf("infos = %q after DetachHook", got)
	}

	v.Patch("/account?tab=locked") // the params hook halts
	if got := v.Text("#page"); got != "hook:locked" {
		t.Errorf("page = %q", got)
	}
}
