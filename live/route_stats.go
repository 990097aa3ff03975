package live

import (
	"cmp"
	"slices"
	"sync/atomic"
	"time"
)

// LatencyBounds are the upper bounds of the buckets of a [Latency]
// histogram, from 10 µs to 1 s in steps of 1, 2.5 and 5; its last bucket
// holds what took longer than a second. They are fixed, so that the
// histograms of every node of a cluster add up bucket by bucket.
var LatencyBounds = [...]time.Duration{
	10 * time.Microsecond, 25 * time.Microsecond, 50 * time.Microsecond, 100 * time.Microsecond, 250 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2500 * time.Microsecond, 5 * time.Millisecond, 10 * time.Millisecond,
	25 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond,
	500 * time.Millisecond, time.Second,
}

// LatencyBuckets is the number of buckets of a [Latency] histogram: one per
// bound of [LatencyBounds] and one past the last.
const LatencyBuckets = len(LatencyBounds) + 1

// A Latency is a histogram of durations: Counts[i] counts those up to
// LatencyBounds[i] and above the bound before, the last those above a
// second. A [RouteStats] holds them since the server started; subtract an
// earlier one ([Latency.Sub]) for those of a window.
type Latency struct {
	Counts [LatencyBuckets]int64
	// Sum is the total of the durations counted.
	Sum time.Duration
}

// Count returns how many durations l counts.
func (l Latency) Count() int64 {
	var n int64
	for _, c := range l.Counts {
		n += c
	}
	return n
}

// Sub returns what l counts that before, an earlier histogram of the same
// series, does not: the durations between the two.
func (l Latency) Sub(before Latency) Latency {
	for i := range l.Counts {
		l.Counts[i] -= before.Counts[i]
	}
	l.Sum -= before.Sum
	return l
}

// Add adds what o counts to l: the histograms of two nodes, or of two
// windows.
func (l *Latency) Add(o Latency) {
	for i := range l.Counts {
		l.Counts[i] += o.Counts[i]
	}
	l.Sum += o.Sum
}

// Quantile returns the upper bound of the bucket that holds quantile q (0
// to 1) of the durations, so at most the next bound above the true value;
// for the last bucket, which has no upper bound, the last bound (see
// [Latency.QuantileBucket] to tell them apart). It returns 0 when l
// counts nothing.
func (l Latency) Quantile(q float64) time.Duration {
	i := l.QuantileBucket(q)
	if i < 0 {
		return 0
	}
	return LatencyBounds[min(i, len(LatencyBounds)-1)]
}

// QuantileBucket returns the index in Counts of the bucket that holds
// quantile q (0 to 1) of the durations: LatencyBuckets-1 when it took
// longer than the last bound. It returns -1 when l counts nothing.
func (l Latency) QuantileBucket(q float64) int {
	total := l.Count()
	if total <= 0 {
		return -1
	}
	// The rank of the quantile, from 1: the median of 3 is the 2nd.
	rank := max(int64(q*float64(total)+0.5), 1)
	var seen int64
	for i, c := range l.Counts {
		seen += c
		if seen >= rank {
			return i
		}
	}
	return len(l.Counts) - 1
}

// A RouteStats is what a route's views did since the server started (see
// [Server.RouteStats]).
type RouteStats struct {
	// Route is the pattern the page was registered with ([Server.Page]).
	Route string
	// Events times the events of the route's views that were answered,
	// each from when its view's goroutine took it to its reply, which
	// carries the patch: event hooks and HandleEvent, and the render,
	// parse, diff and encoding of the burst it was part of. Its Count is
	// the events answered.
	Events Latency
	// Mounts times the route's mounts, for a page's GET and for a join:
	// mount hooks, Mount, params hooks and HandleParams.
	Mounts Latency
}

// routeStats is what a route's views record of themselves, from any
// goroutine, for Server.RouteStats. It lives in the route, so there is one
// per registered pattern, never one per URL.
type routeStats struct {
	events, mounts latencyCounter
}

// latencyCounter is a Latency updated with atomics, without a lock or an
// allocation: views of one route record from many goroutines at once.
type latencyCounter struct {
	counts [LatencyBuckets]atomic.Int64
	sum    atomic.Int64 // nanoseconds
}

// record counts d.
func (lc *latencyCounter) record(d time.Duration) {
	i := 0
	for i < len(LatencyBounds) && d > LatencyBounds[i] {
		i++
	}
	lc.counts[i].Add(1)
	lc.sum.Add(int64(d))
}

// load reads lc. The buckets are read one by one while views may record,
// so a read can count an event in Counts before its Sum, never the other
// way round by more than what records meanwhile.
func (lc *latencyCounter) load() Latency {
	var l Latency
	for i := range lc.counts {
		l.Counts[i] = lc.counts[i].Load()
	}
	l.Sum = time.Duration(lc.sum.Load())
	return l
}

// RouteStats returns, for every page registered, how many events its views
// answered and mounts they made since the server started, and how long
// they took, sorted by route. The figures are recorded as the views run,
// at the cost of a few atomic additions per event and per mount, so that
// a dashboard can chart each route's rates and latencies without
// observing anything itself; call this at a human's rate.
func (srv *Server) RouteStats() []RouteStats {
	var out []RouteStats
	srv.routes.Range(func(_, v any) bool {
		rt := v.(*route)
		out = append(out, RouteStats{Route: rt.pattern, Events: rt.stats.events.load(), Mounts: rt.stats.mounts.load()})
		return true
	})
	slices.SortFunc(out, func(a, b RouteStats) int { return cmp.Compare(a.Route, b.Route) })
	return out
}

// repliedAt records the events of vc's burst answered at now.
func (vc *viewChannel) repliedAt(now time.Time) {
	for _, w := range vc.waiting {
		if !w.start.IsZero() {
			vc.rt.stats.events.record(now.Sub(w.start))
		}
	}
}
