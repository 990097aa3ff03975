package live

import (
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestARateLimiterAllowsABurstPerKeyThenTheRate(t *testing.T) {
	t.Parallel()
	l := NewRateLimiter(100, 5)
	for i := range 5 {
		if !l.Allow("ada") {
			t.Fatalf("action %d of a burst of 5 refused", i+1)
		}
	}
	if l.Allow("ada") {
		t.Fatal("a sixth action allowed at once")
	}
	if !l.Allow("bob") {
		t.Fatal("another key shares ada's allowance")
	}
	time.Sleep(30 * time.Millisecond) // 3 tokens at 100 a second
	if !l.Allow("ada") {
		t.Fatal("the allowance did not refill")
	}
}

func TestARateLimiterForgetsIdleKeys(t *testing.T) {
	t.Parallel()
	l := NewRateLimiter(1000, 2) // a bucket refills in 2 ms
	for i := range 1000 {
		l.Allow(string(rune('a' + i)))
	}
	time.Sleep(5 * time.Millisecond)
	l.Allow("now")
	if n := l.len(); n != 1 {
		t.Fatalf("%d keys remembered, want only the active one", n)
	}
}

// A Go map never shrinks, so forgetting keys alone would keep the memory
// of a burst of distinct keys (a script making up user ids) for ever. The
// test is not parallel: it measures the heap.
func TestARateLimiterGivesBackTheMemoryOfABurstOfKeys(t *testing.T) {
	heap := func() int64 {
		runtime.GC()
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return int64(m.HeapInuse)
	}
	l := NewRateLimiter(1, 1) // a bucket refills in 1 s
	before := heap()
	for i := range 200_000 {
		l.Allow("attacker-" + strconv.Itoa(i))
	}
	peak := heap()
	time.Sleep(1100 * time.Millisecond)
	l.Allow("someone") // sweeps
	after := heap()
	t.Logf("heap before %d KiB, at the peak %d KiB, after the sweep %d KiB", before>>10, peak>>10, after>>10)
	if n := l.len(); n != 1 {
		t.Fatalf("%d keys remembered, want only the active one", n)
	}
	if after-before > (peak-before)/4 {
		t.Fatalf("the limiter remembers 1 key but holds %d KiB of the %d KiB of its peak", (after-before)>>10, (peak-before)>>10)
	}
	runtime.KeepAlive(l)
}

func TestARateLimiterIsSafeForConcurrentUse(t *testing.T) {
	t.Parallel()
	l := NewRateLimiter(1, 100)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 50 {
				if l.Allow("ada") {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed < 100 || allowed > 101 {
		t.Fatalf("%d of 400 concurrent actions allowed, want the burst of 100", allowed)
	}
}

func TestNewRateLimiterRejectsAMeaninglessRate(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		rate  float64
		burst int
	}{
		{"a zero rate panics", 0, 1},
		{"a zero burst panics", 1, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			NewRateLimiter(tt.rate, tt.burst)
		})
	}
}
