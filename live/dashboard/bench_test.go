package dashboard_test

import (
	"os"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/templive/templive/live/livetest"
)

// BenchmarkOpenDashboard measures what an open dashboard costs a server
// holding many views (TEMPLIVE_DASH_VIEWS, 9,000 by default: the process
// holds both ends of every connection, and 10,000 views would pass a
// 20,000 open-files limit): the process's CPU over a window without the
// dashboard, one with the overview and the views page open, refreshing
// every second, and one with the routes page open too, and the bytes per
// second the dashboard's browser receives in the last, of which the routes
// page's. Run it once:
//
//	go test -run '^$' -bench OpenDashboard -benchtime 1x ./live/dashboard/
func BenchmarkOpenDashboard(b *testing.B) {
	n := 9_000
	if s := os.Getenv("TEMPLIVE_DASH_VIEWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	const window = 10 * time.Second
	srv := newApp(b, time.Second)
	views := make([]*livetest.View, n)
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Go(func() {
			c := livetest.NewClient(b, srv, nil)
			for i := w; i < n; i += 32 {
				views[i] = c.Live("/counter")
			}
		})
	}
	wg.Wait()
	for b.Loop() {
		idle := cpuOver(window, func() {})
		c := livetest.NewClient(b, srv, nil)
		overview, list := c.Live("/dashboard?as=admin"), c.Live("/dashboard/views?as=admin")
		two := cpuOver(window, func() { overview.Sync(""); list.Sync("") })
		routes := c.Live("/dashboard/routes?as=admin")
		received := func() (all, routesOnly int64) {
			r := routes.BytesReceived()
			return overview.BytesReceived() + list.BytesReceived() + r, r
		}
		before, routesBefore := received()
		three := cpuOver(window, func() { overview.Sync(""); list.Sync(""); routes.Sync("") })
		after, routesAfter := received()
		b.ReportMetric(idle, "cpu%-without")
		b.ReportMetric(two, "cpu%-overview+views")
		b.ReportMetric(three, "cpu%-with")
		b.ReportMetric(float64(after-before)/window.Seconds(), "B/s-to-dashboard")
		b.ReportMetric(float64(routesAfter-routesBefore)/window.Seconds(), "B/s-routes-page")
		overview.Close()
		list.Close()
		routes.Close()
	}
	b.ReportMetric(float64(n), "views")
}

// cpuOver returns the process's CPU use in percent of one core over d,
// calling tick every 100 ms meanwhile.
func cpuOver(d time.Duration, tick func()) float64 {
	start, cpu0 := time.Now(), processCPU()
	for time.Since(start) < d {
		tick()
		time.Sleep(100 * time.Millisecond)
	}
	return 100 * (processCPU() - cpu0).Seconds() / time.Since(start).Seconds()
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
