package presence

import (
	"math"
	"testing"
)

func TestStatesWithClocksNearTheTopAreRefused(t *testing.T) {
	t.Parallel()
	for _, w := range []*wireState[struct{}]{
		{After: math.MaxUint64 - 3, Seen: math.MaxUint64},
		{Seen: maxClock},
	} {
		if _, err := decodeState(w, "evil#1"); err == nil {
			t.Errorf("decodeState accepted seen %d", w.Seen)
		}
	}
	// The fill loop itself cannot wrap, whatever reaches it.
	c := &causalContext{vv: map[string]uint64{}, cloud: map[dot]struct{}{}}
	o := &causalContext{vv: map[string]uint64{"r": math.MaxUint64}, cloud: map[dot]struct{}{}}
	c.join(o, "", map[string]uint64{"r": math.MaxUint64 - 3})
	if len(c.cloud) != 3 {
		t.Fatalf("filled %d dots, want 3", len(c.cloud))
	}
}
