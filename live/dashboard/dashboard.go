package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/presence"
)

// Defaults of [Options].
const (
	DefaultRefresh  = time.Second
	DefaultMaxViews = 100
	// History is how many samples the charts show.
	History = 120
)

// Options configure the dashboard.
type Options struct {
	// Allow decides who sees the dashboard, at the page's GET, at every
	// join, at every refresh of an open page and before every event. It
	// is required: the dashboard shows every user's views.
	Allow func(s *live.Socket) bool
	// Denied is where a visitor Allow refuses is redirected ("/").
	Denied string
	// Refresh is how often an open page samples and re-renders (1 s).
	Refresh time.Duration
	// MaxViews bounds the views listed (100), the most recent first; the
	// count covers them all.
	MaxViews int
	// Presence lists the app's presence trackers (any
	// [presence.Tracker]), whose topics the overview shows.
	Presence []Presence
}

// Presence is what the dashboard needs of a [presence.Tracker], whatever
// its meta type.
type Presence interface {
	Topics() []presence.TopicInfo
}

// Mount serves the dashboard on srv at prefix ("/dashboard"): the node
// overview there, the views at prefix+"/views" and the routes at
// prefix+"/routes". Its pages form the live navigation group
// "templive-dashboard". Mount it on every node of a cluster: each node
// answers the others' overviews and routes pages over the server's PubSub,
// until the returned Dashboard is closed. It panics without
// Options.Allow.
func Mount(srv *live.Server, prefix string, opts Options) (*Dashboard, error) {
	if opts.Allow == nil {
		panic("dashboard: Mount needs Options.Allow")
	}
	opts.Denied = cmp.Or(opts.Denied, "/")
	if opts.Refresh <= 0 {
		opts.Refresh = DefaultRefresh
	}
	if opts.MaxViews <= 0 {
		opts.MaxViews = DefaultMaxViews
	}
	d := &dash{srv: srv, prefix: prefix, opts: opts, started: time.Now()}
	ps := srv.PubSub()
	if err := registerTypes(ps); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	sub, err := ps.Subscribe(requestTopic)
	if err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	db := &Dashboard{done: make(chan struct{})}
	db.wg.Go(func() { d.respond(sub, db.done) })
	group := live.Group("templive-dashboard")
	srv.Page(prefix, func() live.View { return &Overview{d: d} }, group)
	srv.Page(prefix+"/views", func() live.View { return &Views{d: d} }, group)
	srv.Page(prefix+"/routes", func() live.View { return &Routes{d: d} }, group)
	return db, nil
}

// A Dashboard is a mounted dashboard.
type Dashboard struct {
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// Close stops this node answering the other nodes' overviews and routes
// pages and waits for that to end; the pages stay. It is idempotent.
func (db *Dashboard) Close() {
	db.closeOnce.Do(func() { close(db.done) })
	db.wg.Wait()
}

// dash is what the dashboard's pages share.
type dash struct {
	srv     *live.Server
	prefix  string
	opts    Options
	started time.Time
}

// still checks Allow again for an open page, on each refresh and before
// each event: the operator's rights may have been revoked since it
// mounted. A page Allow now refuses is redirected to Denied.
func (d *dash) still(s *live.Socket) bool {
	if d.opts.Allow(s) {
		return true
	}
	s.Redirect(d.opts.Denied)
	return false
}

// tick is the message that makes an open page sample and render again.
type tick struct{}

// mount checks Allow and, once connected, starts the page's refresh.
func (d *dash) mount(s *live.Socket, title string) bool {
	if !d.opts.Allow(s) {
		s.Redirect(d.opts.Denied)
		return false
	}
	s.SetTitle(title + " · templive dashboard")
	if s.Connected() {
		s.SendAfter(d.opts.Refresh, tick{})
	}
	return true
}

// Overview is the node's page: figures, charts and PubSub topics.
type Overview struct {
	d        *dash
	Node     Sample
	History  []Sample
	Topics   []pubsubTopic
	Presence []presence.TopicInfo
	// ClusterError says why the other nodes could not be asked.
	ClusterError string
	cluster      cluster
}

// Mount takes the first sample.
func (o *Overview) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if !o.d.mount(s, "Node") {
		return nil
	}
	o.sample(s)
	if s.Connected() {
		if err := s.Subscribe(replyPrefix + s.ID()); err != nil {
			return err
		}
		o.ask(s)
	}
	return nil
}

// HandleInfo samples again, and asks the cluster, on each tick; the
// nodes' answers arrive in between.
func (o *Overview) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch msg := msg.(type) {
	case tick:
		if !o.d.still(s) {
			return nil
		}
		o.sample(s)
		o.ask(s)
		s.SendAfter(o.d.opts.Refresh, tick{})
	case NodeSample:
		o.heard(msg)
	}
	return nil
}

func (o *Overview) sample(s *live.Socket) {
	o.Node = o.d.take(o.Node)
	o.History = append(o.History, o.Node)
	if len(o.History) > History {
		o.History = o.History[len(o.History)-History:]
	}
	o.Topics = topics(s, 20)
	o.Presence = presenceTopics(o.d.opts.Presence, 20)
}

// Render shows the overview.
func (o *Overview) Render() templ.Component { return overviewPage(o) }

// Views lists the connected views.
type Views struct {
	d      *dash
	Count  int
	Rows   []live.ViewInfo
	Now    time.Time
	Ended  string
	Failed string
}

// Mount lists the views.
func (v *Views) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if v.d.mount(s, "Views") {
		v.list()
	}
	return nil
}

// HandleInfo lists them again on each tick.
func (v *Views) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(tick); ok {
		if !v.d.still(s) {
			return nil
		}
		v.list()
		s.SendAfter(v.d.opts.Refresh, tick{})
	}
	return nil
}

// HandleEvent ends a view ("end", with its id).
func (v *Views) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name != "end" || !v.d.still(s) {
		return nil
	}
	id := ev.Value("id")
	v.Ended, v.Failed = "", ""
	if id == s.ID() {
		v.Failed = "This is the dashboard's own view."
		return nil
	}
	if err := v.d.srv.EndView(id); err != nil {
		v.Failed = fmt.Sprintf("Could not end %s: it is no longer connected.", id)
		return nil
	}
	v.Ended = id
	v.list()
	return nil
}

func (v *Views) list() {
	// The most recent first, at most MaxViews.
	v.Rows, v.Count = v.d.srv.NewestViews(v.d.opts.MaxViews)
	v.Now = time.Now()
}

// Render shows the views.
func (v *Views) Render() templ.Component { return viewsPage(v) }
