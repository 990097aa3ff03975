package dashboard

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// RouteHistory is how many refreshes the routes page charts: the events
// per second of each, and the latencies of all of them together.
const RouteHistory = 60

// maxRoutes bounds the routes a page tracks. Routes are the patterns the
// app registered, the same few on every node; the bound only guards a
// page against a cluster whose nodes would report ever new ones.
const maxRoutes = 200

// routesRequest asks every node for the figures of its routes.
type routesRequest struct {
	ReplyTo string
}

// NodeRoutes is one node's answer to a routes page: its
// [live.Server.RouteStats], counted since that node started.
type NodeRoutes struct {
	Node string
	// Started is when the node's dashboard was mounted, so at its start:
	// an answer with another Started comes from a node that restarted,
	// whose counters began again from zero, even if none went down.
	Started time.Time
	Routes  []live.RouteStats
}

// Routes is the page of the routes: for each, its events per second and
// the latencies of its events, over the whole cluster, and its mounts.
//
// The nodes answer with their counters since they started; the page turns
// them into what happened between two answers, so that an answer lost or
// late only shifts events to the next refresh, and a node that restarted
// (its answer names another start) starts again from zero. What the nodes did in
// one refresh is added up per route, bucket by bucket: every node uses
// the same [live.LatencyBounds], so the merged histogram, and the
// quantiles read from it, are those of the cluster's events.
type Routes struct {
	d    *dash
	Rows []routeRow
	// ClusterError says why the nodes could not be asked.
	ClusterError string

	nodes  map[string]*routesNode  // the nodes heard from, by name
	series map[string]*routeSeries // by route
	ticked time.Time               // the last refresh
}

// routesNode is what a page last heard from a node.
type routesNode struct {
	at      time.Time // by this node's clock
	started time.Time // NodeRoutes.Started of its last answer
	routes  map[string]live.RouteStats
}

// routeSeries is a route's history on a page.
type routeSeries struct {
	rates   []float64      // events per second, one per refresh, the last RouteHistory
	window  []live.Latency // event latencies, one histogram per refresh
	pending live.Latency   // what the nodes said since the last refresh
	byNode  map[string]int64
	last    map[string]int64 // byNode of the last refresh
}

// routeRow is a route as the page shows it.
type routeRow struct {
	Route      string
	PerSec     float64
	Latency    live.Latency // of the window
	Mounts     live.Latency // since the nodes started
	Rate       chart
	Histogram  histogram
	NodeEvents string // the events of each node in the last refresh
}

// Mount lists the routes of this node until the nodes answer.
func (r *Routes) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if !r.d.mount(s, "Routes") {
		return nil
	}
	r.ticked = time.Now()
	r.heard(NodeRoutes{Node: s.PubSub().Node(), Started: r.d.started, Routes: r.d.srv.RouteStats()})
	if s.Connected() {
		if err := s.Subscribe(replyPrefix + s.ID()); err != nil {
			return err
		}
		r.ask(s)
	}
	r.rows(s.PubSub().Node())
	return nil
}

// HandleInfo closes a refresh and asks the nodes again on each tick; the
// nodes' answers arrive in between.
func (r *Routes) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch msg := msg.(type) {
	case tick:
		if !r.d.still(s) {
			return nil
		}
		r.refresh(time.Now())
		r.ask(s)
		r.rows(s.PubSub().Node())
		s.SendAfter(r.d.opts.Refresh, tick{})
	case NodeRoutes:
		r.heard(msg)
	}
	return nil
}

// ask requests every node's routes, answered on the view's reply topic.
func (r *Routes) ask(s *live.Socket) {
	ctx, cancel := context.WithTimeout(context.Background(), r.d.opts.Refresh)
	defer cancel()
	if err := s.PubSub().Broadcast(ctx, requestTopic, routesRequest{ReplyTo: replyPrefix + s.ID()}); err != nil {
		r.ClusterError = fmt.Sprintf("Asking the other nodes failed: %v", err)
		return
	}
	r.ClusterError = ""
}

// heard adds what a node did since its last answer to the refresh under
// way. A node's first answer is its starting point: the page charts what
// happens while it is open.
func (r *Routes) heard(n NodeRoutes) {
	if r.nodes == nil {
		r.nodes, r.series = map[string]*routesNode{}, map[string]*routeSeries{}
	}
	node, seen := r.nodes[n.Node]
	if !seen {
		node = &routesNode{routes: map[string]live.RouteStats{}}
		r.nodes[n.Node] = node
	}
	node.at = time.Now()
	if seen && !n.Started.Equal(node.started) {
		// The node restarted: what it counted is all new.
		clear(node.routes)
	}
	node.started = n.Started
	for _, rs := range n.Routes {
		sr := r.series[rs.Route]
		if sr == nil {
			if len(r.series) >= maxRoutes {
				continue
			}
			sr = &routeSeries{byNode: map[string]int64{}}
			r.series[rs.Route] = sr
		}
		before, ok := node.routes[rs.Route]
		node.routes[rs.Route] = rs
		if !seen {
			continue
		}
		d := rs.Events.Sub(before.Events)
		if !ok || slices.ContainsFunc(d.Counts[:], func(c int64) bool { return c < 0 }) {
			// A route new to the node, or a node that restarted: told by
			// Started, or by a counter that went down for a node too old
			// to send Started.
			d = rs.Events
		}
		sr.pending.Add(d)
		sr.byNode[n.Node] += d.Count()
	}
}

// refresh closes the refresh that began at the last one: each route's
// events per second and latencies of it join the history.
func (r *Routes) refresh(now time.Time) {
	dt := now.Sub(r.ticked).Seconds()
	r.ticked = now
	// Nodes not heard from in three refreshes have left.
	for name, n := range r.nodes {
		if now.Sub(n.at) > 3*r.d.opts.Refresh+time.Second {
			delete(r.nodes, name)
		}
	}
	for _, sr := range r.series {
		rate := 0.0
		if dt > 0 {
			rate = float64(sr.pending.Count()) / dt
		}
		sr.rates = keepLast(append(sr.rates, rate), RouteHistory)
		sr.window = keepLast(append(sr.window, sr.pending), RouteHistory)
		sr.pending = live.Latency{}
		// The maps swap, so that a refresh allocates none.
		sr.last, sr.byNode = sr.byNode, sr.last
		if sr.byNode == nil {
			sr.byNode = map[string]int64{}
		}
		clear(sr.byNode)
	}
}

// keepLast returns the last n of s.
func keepLast[T any](s []T, n int) []T {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// rows makes the rows the page shows, by route; self is this node's name.
func (r *Routes) rows(self string) {
	r.Rows = r.Rows[:0]
	for route, sr := range r.series {
		row := routeRow{Route: route}
		if n := len(sr.rates); n > 0 {
			row.PerSec = sr.rates[n-1]
		}
		for _, l := range sr.window {
			row.Latency.Add(l)
		}
		for _, n := range r.nodes {
			row.Mounts.Add(n.routes[route].Mounts)
		}
		row.Rate = lineChart("Events / s", sr.rates, RouteHistory, 10, count)
		row.Histogram = newHistogram(row.Latency)
		row.NodeEvents = nodeEvents(sr.last, self, r.d.opts.Refresh)
		r.Rows = append(r.Rows, row)
	}
	slices.SortFunc(r.Rows, func(a, b routeRow) int { return strings.Compare(a.Route, b.Route) })
}

// nodeEvents formats each node's events per second in the last refresh,
// this node first, then by name; it is empty with a single node.
func nodeEvents(last map[string]int64, self string, refresh time.Duration) string {
	if len(last) < 2 {
		return ""
	}
	names := make([]string, 0, len(last))
	for name := range last {
		names = append(names, name)
	}
	slices.SortFunc(names, func(a, b string) int {
		if (a == self) != (b == self) {
			if a == self {
				return -1
			}
			return 1
		}
		return strings.Compare(a, b)
	})
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString(" · ")
		}
		fmt.Fprintf(&b, "%s %s/s", name, count(float64(last[name])/refresh.Seconds()))
	}
	return b.String()
}

// Render shows the routes.
func (r *Routes) Render() templ.Component { return routesPage(r) }
