package dashboard_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/dashboard"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/redis"
)

// counter is an app's page, for the dashboard to watch.
type counter struct{ n int }

func (c *counter) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	if s.Connected() {
		return s.Subscribe("counter:shared")
	}
	return nil
}

func (c *counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	c.n++
	return nil
}

func (c *counter) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<button id="inc" live-click="inc">`+strconv.Itoa(c.n)+`</button>`)
		return err
	})
}

// newApp returns a server with the counter at /counter and the dashboard
// at /dashboard, allowed to sessions whose "user" is "admin".
func newApp(t testing.TB, refresh time.Duration) *live.Server {
	t.Helper()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return newNode(t, ps, refresh)
}

// newNode is newApp on the PubSub ps, which it closes at the end.
func newNode(t testing.TB, ps *pubsub.PubSub, refresh time.Duration) *live.Server {
	t.Helper()
	srv := live.NewServer(live.Options{
		PubSub: ps,
		Secret: []byte(strings.Repeat("k", 32)),
		Logger: slog.New(slog.DiscardHandler),
		Session: func(r *http.Request) (live.Session, error) {
			return live.Session{"user": r.URL.Query().Get("as")}, nil
		},
	})
	srv.Page("/counter", func() live.View { return &counter{} })
	dash, err := dashboard.Mount(srv, "/dashboard", dashboard.Options{
		Allow:   func(s *live.Socket) bool { return s.Session().Get("user") == "admin" },
		Refresh: refresh,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		dash.Close()
		ps.Close()
	})
	return srv
}

func TestTheDashboardIsForThoseAllowOnly(t *testing.T) {
	srv := newApp(t, 20*time.Millisecond)
	c := livetest.NewClient(t, srv, nil)
	for _, path := range []string{"/dashboard?as=eve", "/dashboard/views", "/dashboard/views?as=eve", "/dashboard/routes", "/dashboard/routes?as=eve"} {
		p := c.Get(path)
		if p.Live() || p.Status != http.StatusFound || p.Location != "/" {
			t.Errorf("GET %s: status %d to %q, live %v; want a redirect to / for a user Allow refuses", path, p.Status, p.Location, p.Live())
		}
	}
}

func TestTheOverviewShowsTheNodeAndRefreshesLive(t *testing.T) {
	srv := newApp(t, 20*time.Millisecond)
	c := livetest.NewClient(t, srv, nil)
	d := c.Live("/dashboard?as=admin")
	d.SyncUntil("the dashboard counts its own view", func() bool { return d.Text("#fig-views b") == "1" })
	// Another page connects and is busy: the open dashboard shows it
	// without a reload, in its figures, its charts and its topics.
	app := c.Live("/counter")
	points := d.Text("#chart-0 figcaption")
	for range 5 {
		app.Click("#inc")
	}
	d.SyncUntil("the dashboard counts the second view", func() bool { return d.Text("#fig-views b") == "2" })
	d.SyncUntil("the events chart moves", func() bool {
		v, _ := d.Attr("#chart-1 polyline", "points")
		return strings.Count(v, ",") > 1 && d.Text("#chart-0 figcaption") != points
	})
	if !strings.Contains(d.Text("#topics"), "counter:shared") {
		t.Errorf("the topics table lacks the page's topic:\n%s", d.HTML())
	}
}

func TestTheViewsPageListsViewsAndEndsOne(t *testing.T) {
	srv := newApp(t, 20*time.Millisecond)
	c := livetest.NewClient(t, srv, nil)
	app := c.Live("/counter")
	app.Click("#inc")
	d := c.Live("/dashboard/views?as=admin")
	row := "#view-" + app.ID()
	if !d.Has(row) {
		t.Fatalf("the counter's view is not listed:\n%s", d.HTML())
	}
	if got := d.Text(row); !strings.Contains(got, "/counter") || !strings.Contains(got, "inc") {
		t.Errorf("the row of the counter = %q, want its route and last event", got)
	}
	if d.Has("#view-" + d.ID() + " button") {
		t.Error("the dashboard offers to end its own view")
	}
	d.Click(row + " button")
	if got := d.Text("#ended"); !strings.Contains(got, app.ID()) {
		t.Fatalf("after End: %q", got)
	}
	d.SyncUntil("the ended view leaves the list", func() bool { return !d.Has(row) })
	if err := app.TryEvent("click", "inc", nil); err == nil {
		t.Error("the ended view still answers events")
	}
	// Ending a view that is gone says so.
	if err := srv.EndView(app.ID()); err == nil {
		t.Error("EndView of an ended view succeeded")
	}
}

func TestTheOverviewListsEveryNodeOfTheCluster(t *testing.T) {
	channel := "templive-dashboard-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	node := func(name string) *live.Server {
		ps, err := pubsub.New(pubsub.Options{Node: name, Adapter: redis.New(redis.Options{Addr: "127.0.0.1:6379", Channel: channel})})
		if err != nil {
			t.Fatalf("node %s on Redis at 127.0.0.1:6379: %v", name, err)
		}
		return newNode(t, ps, 50*time.Millisecond)
	}
	a, b := node("a"), node("b")
	// A page on b, watched from a's dashboard.
	livetest.NewClient(t, b, nil).Live("/counter")
	d := livetest.NewClient(t, a, nil).Live("/dashboard?as=admin")
	d.SyncUntil("both nodes are listed", func() bool { return d.Has("#node-a") && d.Has("#node-b") })
	if got := d.Text("#node-a"); !strings.Contains(got, "this node") {
		t.Errorf("node a's row = %q, want it marked as this node", got)
	}
	d.SyncUntil("node b shows its view", func() bool {
		return d.Text("#node-b .views") == "1"
	})
}

func TestAnOperatorNoLongerAllowedCannotEndViews(t *testing.T) {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	srv := live.NewServer(live.Options{PubSub: ps, Secret: []byte(strings.Repeat("k", 32)), Logger: slog.New(slog.DiscardHandler)})
	defer srv.Shutdown(context.Background())
	srv.Page("/counter", func() live.View { return &counter{} })
	var allowed atomic.Bool
	allowed.Store(true)
	// A refresh that never comes in the test: the event alone must check.
	dash, err := dashboard.Mount(srv, "/dashboard", dashboard.Options{
		Allow:   func(*live.Socket) bool { return allowed.Load() },
		Refresh: time.Hour,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer dash.Close()
	c := livetest.NewClient(t, srv, nil)
	app := c.Live("/counter")
	d := c.Live("/dashboard/views")
	allowed.Store(false) // the operator's rights are revoked
	if err := d.TryEvent("click", "end", url.Values{"id": {app.ID()}}); err != nil {
		t.Logf("the end event: %v", err)
	}
	if !slices.ContainsFunc(srv.Views(), func(v live.ViewInfo) bool { return v.ID == app.ID() }) {
		t.Fatal("an operator Allow now refuses ended a view")
	}
	if d.Redirect() != "/" {
		t.Errorf("the refused dashboard redirected to %q, want /", d.Redirect())
	}
}

func TestTheViewsTickChecksAllowAgain(t *testing.T) {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	srv := live.NewServer(live.Options{PubSub: ps, Secret: []byte(strings.Repeat("k", 32)), Logger: slog.New(slog.DiscardHandler)})
	defer srv.Shutdown(context.Background())
	var allowed atomic.Bool
	allowed.Store(true)
	dash, err := dashboard.Mount(srv, "/dashboard", dashboard.Options{
		Allow:   func(*live.Socket) bool { return allowed.Load() },
		Refresh: 10 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer dash.Close()
	c := livetest.NewClient(t, srv, nil)
	for _, path := range []string{"/dashboard", "/dashboard/views"} {
		allowed.Store(true)
		d := c.Live(path)
		allowed.Store(false)
		// The page ends at its next refresh: poll it until it has.
		deadline := time.Now().Add(livetest.Timeout)
		for d.Redirect() != "/" {
			if time.Now().After(deadline) {
				t.Fatalf("%s still shows the node to a revoked operator:\n%s", path, d.HTML())
			}
			_ = d.TryEvent("click", "none", nil)
			time.Sleep(time.Millisecond)
		}
	}
}
