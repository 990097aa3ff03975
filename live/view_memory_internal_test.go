package live

import (
	"math"
	"runtime/debug"
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
