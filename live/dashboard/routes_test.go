package dashboard_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/pubsub/redis"
)

// counterRow selects the /counter route's row of the routes page.
const counterRow = `tr[data-route="/counter"]`

// histogramCounts returns the counts the bars of a route's latency
// histogram are labelled with, in bucket order.
func histogramCounts(t *testing.T, d *livetest.View, row string) []int {
	t.Helper()
	var out []int
	for _, label := range d.Texts(row + " .latency-chart title") {
		_, n, ok := strings.Cut(label, ": ")
		c, err := strconv.Atoi(n)
		if !ok || err != nil {
			t.Fatalf("a bar's label %q does not end in its count", label)
		}
		out = append(out, c)
	}
	return out
}

func sum(counts []int) int {
	n := 0
	for _, c := range counts {
		n += c
	}
	return n
}

func TestTheRoutesPageChartsEachRoutesEventsLive(t *testing.T) {
	srv := newApp(t, 20*time.Millisecond)
	c := livetest.NewClient(t, srv, nil)
	d := c.Live("/dashboard/routes?as=admin")
	if !d.Has(counterRow) {
		t.Fatalf("the routes page lacks /counter:\n%s", d.HTML())
	}
	if got := histogramCounts(t, d, counterRow); len(got) != live.LatencyBuckets || sum(got) != 0 {
		t.Fatalf("before any event the histogram is %v, want %d empty buckets", got, live.LatencyBuckets)
	}
	points, _ := d.Attr(counterRow+" .rate-chart polyline", "points")

	// Another page mounts and handles events: the open page shows them
	// without a reload, in the row's figures and in both charts.
	app := c.Live("/counter")
	const clicks = 5
	for range clicks {
		app.Click("#inc")
	}
	d.SyncUntil("the histogram counts the events", func() bool {
		return sum(histogramCounts(t, d, counterRow)) == clicks
	})
	d.SyncUntil("the row counts the mount", func() bool { return d.Text(counterRow+" .mounts") != "0" })
	if p50 := d.Text(counterRow + " .p50"); p50 == "—" {
		t.Errorf("the row's p50 is %q once events were timed", p50)
	}
	if bars := len(d.Texts(counterRow + " .latency-chart rect")); bars != live.LatencyBuckets {
		t.Errorf("the histogram has %d bars, want one per bucket", bars)
	}
	d.SyncUntil("the events chart moves", func() bool {
		v, _ := d.Attr(counterRow+" .rate-chart polyline", "points")
		return v != points && hasPointAbove(v, 0)
	})
}

// hasPointAbove reports whether the polyline points hold a value above
// floor: a y coordinate above the chart's bottom.
func hasPointAbove(points string, floor float64) bool {
	for _, p := range strings.Fields(points) {
		_, y, _ := strings.Cut(p, ",")
		if v, err := strconv.ParseFloat(y, 64); err == nil && v < 60-floor {
			return true
		}
	}
	return false
}

func TestTheRoutesPageMergesEveryNodeOfTheCluster(t *testing.T) {
	channel := "templive-dashboard-routes-test-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	node := func(name string) *live.Server {
		ps, err := pubsub.New(pubsub.Options{Node: name, Adapter: redis.New(redis.Options{Addr: "127.0.0.1:6379", Channel: channel})})
		if err != nil {
			t.Fatalf("node %s on Redis at 127.0.0.1:6379: %v", name, err)
		}
		return newNode(t, ps, 50*time.Millisecond)
	}
	a, b := node("a"), node("b")
	onA, onB := livetest.NewClient(t, a, nil).Live("/counter"), livetest.NewClient(t, b, nil).Live("/counter")
	d := livetest.NewClient(t, a, nil).Live("/dashboard/routes?as=admin")
	// Both nodes' events reach the one row of /counter: the page keeps
	// clicking on both until a refresh counted events of each.
	d.SyncUntil("the row shows events of both nodes", func() bool {
		onA.Click("#inc")
		onB.Click("#inc")
		if !d.Has(counterRow + " .nodes") {
			return false // a single node answered the last refresh
		}
		nodes := d.Text(counterRow + " .nodes")
		return strings.Contains(nodes, "a ") && strings.Contains(nodes, "b ") &&
			!strings.Contains(nodes, "a 0/s") && !strings.Contains(nodes, "b 0/s")
	})
	// The mounts are those of both nodes: each counted at least its page.
	d.SyncUntil("the mounts of both nodes are added", func() bool {
		n, _ := strconv.Atoi(d.Text(counterRow + " .mounts"))
		return n >= 2
	})
	if got := sum(histogramCounts(t, d, counterRow)); got < 2 {
		t.Errorf("the merged histogram counts %d events, want those of both nodes", got)
	}
}
