package live_test

import (
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// routeStats returns srv's figures of route.
func routeStats(t *testing.T, srv *live.Server, route string) live.RouteStats {
	t.Helper()
	for _, rs := range srv.RouteStats() {
		if rs.Route == route {
			return rs
		}
	}
	t.Fatalf("RouteStats lacks %s: %+v", route, srv.RouteStats())
	return live.RouteStats{}
}

func TestRouteStatsCountEachRoutesEventsAndMounts(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/counter")
	for range 3 {
		v.Click("#inc")
	}
	c.Live("/other?start=2")
	counter, other := routeStats(t, srv, "/counter"), routeStats(t, srv, "/other")
	if n := counter.Events.Count(); n != 3 {
		t.Errorf("/counter answered %d events, want 3", n)
	}
	if counter.Events.Sum <= 0 || counter.Events.Quantile(0.5) <= 0 {
		t.Errorf("/counter's event latencies are not timed: %+v", counter.Events)
	}
	if n := other.Events.Count(); n != 0 {
		t.Errorf("/other answered %d events, want none: a route counts its own views only", n)
	}
	// A page's GET mounts, and its join either adopts that view or mounts
	// again.
	for _, rs := range []live.RouteStats{counter, other} {
		if n := rs.Mounts.Count(); n < 1 || n > 2 {
			t.Errorf("%s counted %d mounts, want those of one page", rs.Route, n)
		}
	}
}

func TestLatencyQuantilesAreBucketBounds(t *testing.T) {
	t.Parallel()
	var l live.Latency
	if got := l.Quantile(0.5); got != 0 {
		t.Errorf("the median of nothing = %v, want 0", got)
	}
	// 8 events at most 10 µs, one between 1 and 2.5 ms, one over a second.
	l.Counts[0], l.Counts[7], l.Counts[live.LatencyBuckets-1] = 8, 1, 1
	for _, tc := range []struct {
		name string
		q    float64
		want time.Duration
	}{
		{"The median is in the first bucket.", 0.5, 10 * time.Microsecond},
		{"The 90th percentile is the ninth of ten, in the eighth bucket.", 0.9, 2500 * time.Microsecond},
		{"The 99th percentile past the last bound is the last bound.", 0.99, time.Second},
	} {
		if got := l.Quantile(tc.q); got != tc.want {
			t.Errorf("%s Quantile(%v) = %v, want %v", tc.name, tc.q, got, tc.want)
		}
	}
	var sum live.Latency
	sum.Add(l)
	sum.Add(l)
	if d := sum.Sub(l); d != l {
		t.Errorf("(l+l)-l = %+v, want l", d)
	}
}
