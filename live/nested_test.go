package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// nestedTally is a nested view: a count that starts at Start, with its own
// events, and a crash on demand. ended hears its Terminate; it is shared
// by every copy the runtime makes of the value its parent rendered.
type nestedTally struct {
	Start int
	N     int
	ended chan error
}

func (v *nestedTally) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	v.N = v.Start
	return nil
}

func (v *nestedTally) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		v.N++
	case "boom":
		return errors.New("tally broke")
	case "go":
		s.PushNavigate("/" + ev.Value("to"))
	}
	return nil
}

func (v *nestedTally) Render() templ.Component {
	return templ.Raw(fmt.Sprintf(`<p id="count">%d</p><button id="inc" live-click="inc">+</button><button id="boom" live-click="boom">boom</button><a id="home" href="/a" live-navigate>home</a>`, v.N))
}

func (v *nestedTally) Terminate(reason error) {
	if v.ended != nil {
		v.ended <- reason
	}
}

// shelf is a parent: a count of its own, and a nestedTally nested under
// "tally" unless hidden; dup renders it twice, crash crashes the parent.
type shelf struct {
	N      int
	Hidden bool
	Dup    bool
	ended  chan error
}

func (v *shelf) Mount(ctx context.Context, s *live.Socket, p url.Values) error {
	v.Dup = p.Get("dup") != ""
	return nil
}

func (v *shelf) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "add":
		v.N++
	case "hide":
		v.Hidden = !v.Hidden
	case "dup":
		v.Dup = true
	case "crash":
		return errors.New("shelf broke")
	}
	return nil
}

func (v *shelf) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		fmt.Fprintf(w, `<div id="shelf"><p id="n">%d</p><button id="add" live-click="add">add</button><button id="hide" live-click="hide">hide</button><button id="dup" live-click="dup">dup</button><button id="crash" live-click="crash">crash</button>`, v.N)
		if !v.Hidden {
			if err := live.Nested("tally", &nestedTally{Start: 5, ended: v.ended}).Render(ctx, w); err != nil {
				return err
			}
		}
		if v.Dup {
			if err := live.Nested("tally", &nestedTally{}).Render(ctx, w); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</div>`)
		return err
	})
}

// newShelfServer serves a shelf at /shelf; ended hears its tallies' ends.
func newShelfServer(t *testing.T, opts live.Options) (*live.Server, chan error) {
	t.Helper()
	ended := make(chan error, 16)
	srv, _ := newServer(t, opts, nil)
	srv.Page("/shelf", func() live.View { return &shelf{ended: ended} })
	return srv, ended
}

// awaitReason waits for a Terminate reason on ended.
func awaitReason(t *testing.T, ended chan error) error {
	t.Helper()
	select {
	case err := <-ended:
		return err
	case <-time.After(livetest.Timeout):
		t.Fatal("the nested view was not terminated")
		return nil
	}
}

func TestNestedViewRendersInPlaceAndHandlesItsOwnEvents(t *testing.T) {
	t.Parallel()
	for _, mountOnce := range []bool{false, true} {
		t.Run(fmt.Sprintf("mount once %v", mountOnce), func(t *testing.T) {
			t.Parallel()
			srv, _ := newShelfServer(t, live.Options{MountOnce: mountOnce})
			c := livetest.NewClient(t, srv, nil)
			p := c.Get("/shelf")
			if got := p.Text("#count"); got != "5" {
				t.Fatalf("the GET renders the nested view's count %q, want 5:\n%s", got, p.HTML())
			}
			v := c.Join(p)
			child := v.Nested("tally")
			if got := child.Text("#count"); got != "5" {
				t.Fatalf("nested count = %q, want 5", got)
			}
			child.Click("#inc")
			child.Click("#inc")
			if got := child.Text("#count"); got != "7" {
				t.Fatalf("after two clicks in the nested view its count = %q, want 7", got)
			}
			if got := v.Text("#n"); got != "0" {
				t.Fatalf("the nested view's clicks reached the parent: n = %q", got)
			}
			// The parent renders again; the nested view keeps its state.
			v.Click("#add")
			child.Click("#inc")
			if got, n := child.Text("#count"), v.Text("#n"); got != "8" || n != "1" {
				t.Fatalf("after a parent render: nested count %q (want 8), parent n %q (want 1)", got, n)
			}
		})
	}
}

func TestNestedViewRemovedFromTheMarkupEnds(t *testing.T) {
	t.Parallel()
	srv, ended := newShelfServer(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/shelf")
	child := v.Nested("tally")
	session, _ := v.Attr("#"+child.ID(), "data-live-session")
	v.Click("#hide")
	child.AwaitEnded()
	if err := awaitReason(t, ended); !errors.Is(err, live.ErrNestedRemoved) {
		t.Fatalf("Terminate(%v), want ErrNestedRemoved", err)
	}
	// Its session joins nothing any more.
	if _, err := v.JoinNested(child.ID(), session); err == nil || !strings.Contains(err.Error(), `"gone"`) {
		t.Fatalf("join of a removed nested view: %v, want refused as gone", err)
	}
	// Rendered again, it starts anew.
	v.Click("#hide")
	if got := v.Nested("tally").Text("#count"); got != "5" {
		t.Fatalf("a nested view rendered again counts %q, want 5", got)
	}
}

func TestNestedViewCrashLeavesItsParentAlone(t *testing.T) {
	t.Parallel()
	srv, ended := newShelfServer(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/shelf")
	child := v.Nested("tally")
	child.Click("#inc")
	v.Click("#add")
	if err := child.TryEvent(live.EventClick, "boom", nil); err == nil {
		t.Fatal("the crashing event was answered ok")
	}
	if err := awaitReason(t, ended); !errors.Is(err, live.ErrViewCrashed) {
		t.Fatalf("Terminate(%v), want ErrViewCrashed", err)
	}
	v.Click("#add")
	if got := v.Text("#n"); got != "2" {
		t.Fatalf("the parent's n = %q after its nested view crashed, want 2", got)
	}
	// The browser rejoins the nested view: it starts anew from what its
	// parent rendered.
	child.Rejoin()
	if got := child.Text("#count"); got != "5" {
		t.Fatalf("the rejoined nested view counts %q, want 5", got)
	}
	child.Click("#inc")
	if got := child.Text("#count"); got != "6" {
		t.Fatalf("count = %q, want 6", got)
	}
}

func TestParentCrashEndsItsNestedViews(t *testing.T) {
	t.Parallel()
	srv, ended := newShelfServer(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/shelf")
	child := v.Nested("tally")
	child.Click("#inc")
	if err := v.TryEvent(live.EventClick, "crash", nil); err == nil {
		t.Fatal("the crashing event was answered ok")
	}
	child.AwaitEnded()
	if err := awaitReason(t, ended); !errors.Is(err, live.ErrParentEnded) {
		t.Fatalf("Terminate(%v), want ErrParentEnded", err)
	}
	// The browser rejoins the parent, then what it nests.
	v.Rejoin()
	if got := v.Nested("tally").Text("#count"); got != "5" {
		t.Fatalf("the nested view of the rejoined parent counts %q, want 5", got)
	}
}

func TestTwoNestedViewsWithOneNameAreAnError(t *testing.T) {
	t.Parallel()
	srv, _ := newShelfServer(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	if p := c.Get("/shelf?dup=1"); p.Status != http.StatusInternalServerError {
		t.Fatalf("GET of a page nesting two views named alike: %d, want 500", p.Status)
	}
	v := c.Live("/shelf")
	err := v.TryEvent(live.EventClick, "dup", nil)
	if err == nil {
		t.Fatal("a render nesting two views named alike did not crash the view")
	}
}

func TestNestedViewNamesAreChecked(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		view func() live.View
	}{
		{"a name with a space is refused", func() live.View { return &nester{name: "a b"} }},
		{"an empty name is refused", func() live.View { return &nester{name: ""} }},
		{"a sticky view in a view's own markup is refused", func() live.View { return &nester{name: "x", sticky: true} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, live.Options{}, tc.view)
			c := livetest.NewClient(t, srv, nil)
			if p := c.Get("/counter"); p.Status != http.StatusInternalServerError {
				t.Fatalf("GET: %d, want 500", p.Status)
			}
		})
	}
}

// nester nests one nestedTally as told.
type nester struct {
	name   string
	sticky bool
}

func (v *nester) Mount(context.Context, *live.Socket, url.Values) error { return nil }
func (v *nester) Render() templ.Component {
	return live.Nested(v.name, &nestedTally{}, live.NestedOptions{Sticky: v.sticky})
}

func TestForgedNestedJoinsAreRefused(t *testing.T) {
	t.Parallel()
	srv, _ := newShelfServer(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	a := c.Live("/shelf")
	aChild := a.Nested("tally")
	aSession, _ := a.Attr("#"+aChild.ID(), "data-live-session")

	// b's nested view is not joined, so that no attempt replaces it (a
	// join of a topic already joined replaces the channel, on the client's
	// own connection only).
	b := livetest.NewClient(t, srv, nil).Live("/shelf")
	bID := b.ID()
	bSession, _ := b.Attr("#"+bID+"-tally", "data-live-session")

	for _, tc := range []struct {
		name, id, session, want string
		on                      *livetest.View
	}{
		{"a nested view's session from another connection", aChild.ID(), aSession, "parent not joined", b},
		{"a nested view's session on another topic", bID + "-other", bSession, "unauthorized", b},
		{"a nested view's session on its parent's topic", bID, bSession, "unauthorized", a},
		{"a made-up session", bID + "-tally", "SFMyNTY.forged", "unauthorized", b},
		{"a session with its signature altered", bID + "-tally", bSession[:len(bSession)-2] + "xx", "unauthorized", b},
		{"the page's own session on a nested topic", bID + "-tally", pageSession(t, c, "/shelf"), "unauthorized", b},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.on.JoinNested(tc.id, tc.session)
			if err == nil || !strings.Contains(err.Error(), `"`+tc.want+`"`) {
				t.Fatalf("join: %v, want refused as %q", err, tc.want)
			}
		})
	}
	// Nothing reached a's nested view; b's works.
	aChild.Click("#inc")
	if got := aChild.Text("#count"); got != "6" {
		t.Fatalf("a's nested view counts %q, want 6", got)
	}
	b.Click("#add")
	b.Nested("tally").Click("#inc")
}

// A nested view's join before its parent's (a raw client that skips the
// parent) is refused, and the parent's view is not reached.
func TestNestedJoinBeforeItsParentIsRefused(t *testing.T) {
	t.Parallel()
	srv, _ := newShelfServer(t, live.Options{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	// A connected parent renders its nested view's session; take one from
	// a joined page, then try it alone on a fresh connection.
	c := livetest.NewClient(t, srv, ts.Config.Handler)
	v := c.Live("/shelf")
	id := v.Nested("tally").ID()
	session, _ := v.Attr("#"+id, "data-live-session")
	_, _, csrf, cookies := livePages(t, ts, "/shelf", 1)
	s := dialLive(t, ts, csrf, cookies)
	s.send("1", "1", "lv:"+id, "phx_join", map[string]string{"session": session, "url": ts.URL + "/shelf"})
	if status, reason := s.reply("1"); status != "error" || reason != "parent not joined" {
		t.Fatalf("join without the parent: %s %q", status, reason)
	}
}

// pageSession returns the session token of a fresh GET of path.
func pageSession(t *testing.T, c *livetest.Client, path string) string {
	t.Helper()
	p := c.Get(path)
	i := strings.Index(p.Body, `data-live-session="`)
	if i < 0 {
		t.Fatalf("no session in %s", path)
	}
	rest := p.Body[i+len(`data-live-session="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

// stickyLayout renders the page with a sticky nestedTally after it.
func stickyLayout(ended chan error) func(string) templ.Component {
	return func(title string) templ.Component {
		return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			io.WriteString(w, `<!DOCTYPE html><html><head>`)
			if err := live.Head().Render(ctx, w); err != nil {
				return err
			}
			io.WriteString(w, `</head><body>`)
			if err := templ.GetChildren(ctx).Render(ctx, w); err != nil {
				return err
			}
			if err := live.Nested("player", &nestedTally{Start: 100, ended: ended}, live.NestedOptions{Sticky: true}).Render(ctx, w); err != nil {
				return err
			}
			_, err := io.WriteString(w, `</body></html>`)
			return err
		})
	}
}

// page navigates live to the page its "go" event names.
type navPage struct{ Name string }

func (v *navPage) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	v.Name = strings.TrimPrefix(s.URL().Path, "/")
	return nil
}

func (v *navPage) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	s.PushNavigate("/" + ev.Value("to"))
	return nil
}

func (v *navPage) Render() templ.Component {
	return templ.Raw(fmt.Sprintf(`<h1 id="page">%s</h1><button id="go" live-click="go">go</button>`, v.Name))
}

func TestStickyViewKeepsItsStateAcrossLiveNavigation(t *testing.T) {
	t.Parallel()
	for _, mountOnce := range []bool{false, true} {
		t.Run(fmt.Sprintf("mount once %v", mountOnce), func(t *testing.T) {
			t.Parallel()
			ended := make(chan error, 4)
			srv, _ := newServer(t, live.Options{Layout: stickyLayout(ended), MountOnce: mountOnce}, nil)
			for _, p := range []string{"/a", "/b", "/c"} {
				srv.Page(p, func() live.View { return &navPage{} }, live.Group("app"))
			}
			c := livetest.NewClient(t, srv, nil)
			p := c.Get("/a")
			if !strings.Contains(p.Body, `<p id="count">100</p>`) {
				t.Fatalf("the GET renders no sticky view:\n%s", p.Body)
			}
			v := c.Join(p)
			player := v.Nested("player")
			player.Click("#inc")
			for i, to := range []string{"b", "c", "a"} {
				if to == "a" {
					// The sticky view's navigation is the page's.
					player.Event(live.EventClick, "go", url.Values{"to": {to}})
				} else {
					v.Event(live.EventClick, "go", url.Values{"to": {to}})
				}
				if got := v.Text("#page"); got != to {
					t.Fatalf("navigation %d: on page %q, want %q", i+1, got, to)
				}
				player.Click("#inc")
			}
			if got := player.Text("#count"); got != "104" {
				t.Fatalf("after three live navigations the sticky view counts %q, want 104", got)
			}
			select {
			case err := <-ended:
				t.Fatalf("the sticky view ended: %v", err)
			default:
			}
		})
	}
}

func TestViewNestedInTheLayoutMustBeSticky(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{Layout: func(string) templ.Component {
		return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
			if err := templ.GetChildren(ctx).Render(ctx, w); err != nil {
				return err
			}
			return live.Nested("player", &nestedTally{}).Render(ctx, w)
		})
	}}, nil)
	if p := livetest.NewClient(t, srv, nil).Get("/counter"); p.Status != http.StatusInternalServerError {
		t.Fatalf("GET: %d, want 500", p.Status)
	}
}

// After the connection drops, the browser joins the page's view again on
// a new connection, then its sticky view: the server mounts that anew,
// as it does the page's view.
func TestStickyViewRejoinsAfterAReconnect(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 4)
	srv, _ := newServer(t, live.Options{Layout: stickyLayout(ended)}, nil)
	srv.Page("/a", func() live.View { return &navPage{} }, live.Group("app"))
	c := livetest.NewClient(t, srv, nil)
	p := c.Get("/a")
	v := c.Join(p)
	player := v.Nested("player")
	player.Click("#inc")
	v.Close() // the connection drops
	if err := awaitReason(t, ended); err == nil {
		t.Fatal("the sticky view ended without a reason")
	}
	again := c.Join(p)
	player = again.Nested("player")
	if got := player.Text("#count"); got != "100" {
		t.Fatalf("the sticky view rejoined counts %q, want 100 (mounted anew)", got)
	}
	player.Click("#inc")
	if got := player.Text("#count"); got != "101" {
		t.Fatalf("count = %q, want 101", got)
	}
}

func TestParentNavigationEndsItsNestedViews(t *testing.T) {
	t.Parallel()
	srv, ended := newShelfServer(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/shelf")
	child := v.Nested("tally")
	v.Navigate("/counter")
	child.AwaitEnded()
	if err := awaitReason(t, ended); !errors.Is(err, live.ErrParentEnded) {
		t.Fatalf("Terminate(%v), want ErrParentEnded", err)
	}
	v.Click("#inc")
}

// An event on a nested view's topic reaches that view only: a component
// target names one of its own components, never its parent's.
func TestNestedViewEventsStayInTheNestedView(t *testing.T) {
	t.Parallel()
	srv, _ := newShelfServer(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/shelf")
	child := v.Nested("tally")
	if err := child.TryEventTo("shelf", live.EventClick, "add", nil); err == nil || !strings.Contains(err.Error(), "no such component") {
		t.Fatalf("an event for a component the nested view does not render: %v", err)
	}
	if err := child.TryEvent(live.EventClick, "add", nil); err != nil {
		t.Fatal(err)
	}
	if got := v.Text("#n"); got != "0" {
		t.Fatalf("an event on the nested view's topic reached its parent: n = %q", got)
	}
	child.Click("#inc")
	if got := child.Text("#count"); got != "6" {
		t.Fatalf("count = %q, want 6", got)
	}
}

// clash nests "a", which nests "b", and "a-b" beside it: the ids of "b"
// in "a" and of "a-b" are both the page's id and "-a-b".
type clash struct{}

func (v *clash) Mount(ctx context.Context, s *live.Socket, _ url.Values) error { return nil }

func (v *clash) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if err := live.Nested("a", &clashInner{}).Render(ctx, w); err != nil {
			return err
		}
		return live.Nested("a-b", &nestedTally{Start: 1}).Render(ctx, w)
	})
}

// clashInner nests "b".
type clashInner struct{}

func (v *clashInner) Mount(ctx context.Context, s *live.Socket, _ url.Values) error { return nil }

func (v *clashInner) Render() templ.Component {
	return live.Nested("b", &nestedTally{Start: 2})
}

// A nested view whose id is another's on the page, through a name with
// '-', is an error of the view that renders it second, not the silent end
// of the first (whose browser would then be refused as unauthorized).
func TestNestedViewsWhoseIDsClashAreAnError(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/clash", func() live.View { return &clash{} })
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/clash")
	ab := v.Nested("a-b")
	if _, err := v.TryNested("a"); err == nil {
		t.Error("a nested view rendering a view under another's id joined")
	}
	if ab.Ended() {
		t.Fatal("the nested view whose id was taken ended")
	}
	ab.Click("#inc")
	if got := ab.Text("#count"); got != "2" {
		t.Fatalf("the nested view whose id was taken counts %q, want 2", got)
	}
}

// playerPage nests a view of its own under the name of the layout's
// sticky view, once clicked.
type playerPage struct{ Shown bool }

func (v *playerPage) Mount(ctx context.Context, s *live.Socket, _ url.Values) error { return nil }

func (v *playerPage) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.Shown = true
	return nil
}

func (v *playerPage) Render() templ.Component {
	if !v.Shown {
		return templ.Raw(`<h1 id="page">b</h1>`)
	}
	return live.Nested("player", &nestedTally{Start: 7})
}

// A page reached by live navigation that nests a view under the name of
// the layout's sticky view fails, rather than ending the sticky view and
// rendering a second element with its id.
func TestNestedViewNamedAsTheLayoutsStickyViewIsAnError(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 4)
	srv, _ := newServer(t, live.Options{Layout: stickyLayout(ended)}, nil)
	srv.Page("/a", func() live.View { return &navPage{} }, live.Group("app"))
	srv.Page("/b", func() live.View { return &playerPage{} }, live.Group("app"))
	c := livetest.NewClient(t, srv, nil)
	v := c.Join(c.Get("/a"))
	player := v.Nested("player")
	player.Click("#inc")
	v.Event(live.EventClick, "go", url.Values{"to": {"b"}})
	if err := v.TryEvent(live.EventClick, "show", nil); err == nil {
		t.Error("the page nested a second view under the sticky view's id")
	}
	select {
	case err := <-ended:
		t.Fatalf("the sticky view ended: %v", err)
	default:
	}
	player.Click("#inc")
	if got := player.Text("#count"); got != "102" {
		t.Fatalf("the sticky view counts %q, want 102", got)
	}
}

// nestWrapper is a component that renders only a nested view.
type nestWrapper struct{}

func (c *nestWrapper) Render() templ.Component { return live.Nested("tally", &nestedTally{Start: 3}) }

// wrapped renders a nestWrapper component.
type wrapped struct{}

func (v *wrapped) Mount(ctx context.Context, s *live.Socket, _ url.Values) error { return nil }

func (v *wrapped) Render() templ.Component { return live.Component("w", &nestWrapper{}) }

// A component whose root element would be a nested view's is an error:
// the browser would send every event of the nested view to a component
// of that name, which the nested view does not have.
func TestAComponentWhoseRootIsANestedViewIsAnError(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/wrapped", func() live.View { return &wrapped{} })
	c := livetest.NewClient(t, srv, nil)
	if p := c.Get("/wrapped"); p.Status != http.StatusInternalServerError {
		t.Fatalf("GET of a component whose root is a nested view: status %d, want 500", p.Status)
	}
}
