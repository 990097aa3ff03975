package dashboard

import (
	"testing"

	"github.com/templive/templive/live"
)

// A quantile that falls in the last bucket, past every bound, is shown as
// above the last bound: those events took longer than a second, and "≤ 1s"
// would say the opposite.
func TestAQuantilePastTheLastBoundIsShownAsAboveIt(t *testing.T) {
	var l live.Latency
	l.Counts[2], l.Counts[live.LatencyBuckets-1] = 1, 9
	for _, tc := range []struct {
		q    float64
		want string
	}{
		{0.05, "≤ 50µs"},
		{0.5, "> 1s"},
		{0.99, "> 1s"},
	} {
		if got := latencyQuantile(l, tc.q); got != tc.want {
			t.Errorf("quantile %v of %v = %q, want %q", tc.q, l.Counts, got, tc.want)
		}
	}
	if got := latencyQuantile(live.Latency{}, 0.5); got != "—" {
		t.Errorf("quantile of nothing = %q, want —", got)
	}
}
