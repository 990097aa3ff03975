package live

import (
	"math"
	"runtime/debug"
	"sync/atomic"
	"testing"
)

// Not parallel: it sets the process's memory limit for a moment.
func TestMaxViewBytesDefaultsToHalfTheMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(math.MaxInt64)
	defer debug.SetMemoryLimit(prev)
	tests := []struct {
		name  string
		limit int64 // GOMEMLIMIT
		opt   int64
		want  int64 // 0: no cap
	}{
		{"without a memory limit there is no cap", math.MaxInt64, 0, 0},
		{"with one the cap is half of it", 1 << 40, 0, 1 << 39},
		{"a cap set is kept", 1 << 40, 5 << 20, 5 << 20},
		{"a negative cap lifts it", 1 << 40, -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetMemoryLimit(tt.limit)
			if got := maxViewBytes(tt.opt); got != tt.want {
				t.Fatalf("maxViewBytes(%d) = %d, want %d", tt.opt, got, tt.want)
			}
		})
	}
}

// TestTheOutboundQueuesShareTheViewsCap checks that what waits for the
// live connections counts against MaxViewBytes with the views: a join
// that would fit beside the views alone is refused once frames are
// queued.
func TestTheOutboundQueuesShareTheViewsCap(t *testing.T) {
	t.Parallel()
	var queued atomic.Int64
	b := viewBudget{max: 100 << 10, queued: queued.Load}
	if !b.reserve(40 << 10) {
		t.Fatal("a view within the cap refused")
	}
	if !b.room(ViewOverhead) {
		t.Fatal("no room beside one view and empty queues")
	}
	queued.Store(30 << 10)
	if b.room(ViewOverhead) || b.reserve(ViewOverhead) {
		t.Fatalf("a view of %d bytes fits beside %d bytes of views and %d queued, under a cap of %d", ViewOverhead, b.used.Load(), queued.Load(), b.max)
	}
	queued.Store(0)
	if !b.reserve(ViewOverhead) {
		t.Fatal("no room once the queues drained")
	}
}
