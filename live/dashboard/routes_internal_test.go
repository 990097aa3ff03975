package dashboard

import (
	"testing"
	"time"

	"github.com/templive/templive/live"
)

// A node that restarted between two answers counts from zero again, even
// when its new counters happen to be above the old ones in every bucket:
// all it counted since it started is new to the page, not the difference.
func TestARestartedNodeIsCountedFromZeroEvenWhenNoBucketWentDown(t *testing.T) {
	r := &Routes{d: &dash{opts: Options{Refresh: time.Second}}}
	answer := func(started time.Time, events int64) NodeRoutes {
		var l live.Latency
		l.Counts[3] = events
		return NodeRoutes{Node: "b", Started: started, Routes: []live.RouteStats{{Route: "/x", Events: l}}}
	}
	first := time.Now()
	r.heard(answer(first, 5)) // the page's starting point
	r.heard(answer(first, 7))
	if got := r.series["/x"].pending.Count(); got != 2 {
		t.Fatalf("the node's second answer adds %d events, want 2", got)
	}
	// The node restarted, and counted 9 events since: more than before in
	// every bucket.
	r.heard(answer(first.Add(time.Minute), 9))
	if got := r.series["/x"].pending.Count(); got != 2+9 {
		t.Fatalf("after the node restarted the page counts %d events, want 2+9", got)
	}
}
