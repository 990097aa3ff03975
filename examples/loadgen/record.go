package main

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/templive/templive/internal/netcount"
)

// maxErrors bounds the error messages kept; all are counted.
const maxErrors = 20

// recorder collects what the clients' readers observe. Its methods are
// safe for concurrent use.
type recorder struct {
	errs   atomic.Int64
	mu     sync.Mutex // guards first
	first  []string
	sched  []atomic.Int64 // event seq → scheduled send time, ns since start
	sent   []atomic.Int64 // event seq → time the frame was written, ns since start
	lat    []atomic.Int64 // event seq → latency from sched in ns, 0 until answered
	svc    []atomic.Int64 // event seq → latency from sent in ns
	start  time.Time
	events struct {
		replied, patched, dBytes, frameBytes atomic.Int64
	}
	diffs struct {
		n, bytes atomic.Int64
		arrivals []atomic.Int64 // ns since start, one per diff of the current round
	}
	tcp netcount.Counter // every client's live socket, as TCP carries it
}

func newRecorder(start time.Time, maxEvents, n int) *recorder {
	r := &recorder{start: start, sched: make([]atomic.Int64, maxEvents),
		sent: make([]atomic.Int64, maxEvents), lat: make([]atomic.Int64, maxEvents), svc: make([]atomic.Int64, maxEvents)}
	r.diffs.arrivals = make([]atomic.Int64, n)
	return r
}

func (r *recorder) fail(format string, args ...any) {
	r.errs.Add(1)
	r.mu.Lock()
	if len(r.first) < maxErrors {
		r.first = append(r.first, fmt.Sprintf(format, args...))
	}
	r.mu.Unlock()
}

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.first)
}

// eventReplied records the reply to event seq.
func (r *recorder) eventReplied(seq int, at time.Time, dBytes, frameBytes int) {
	if seq < 0 || seq >= len(r.lat) {
		r.fail("reply to unknown event %d", seq)
		return
	}
	now := at.Sub(r.start).Nanoseconds()
	if !r.lat[seq].CompareAndSwap(0, max(now-r.sched[seq].Load(), 1)) {
		r.fail("second reply to event %d", seq)
		return
	}
	r.svc[seq].Store(max(now-r.sent[seq].Load(), 1))
	r.events.replied.Add(1)
	if dBytes > 0 {
		r.events.patched.Add(1)
		r.events.dBytes.Add(int64(dBytes))
		r.events.frameBytes.Add(int64(frameBytes))
	}
}

// diffPushed records a "diff" push (a broadcast's re-render).
func (r *recorder) diffPushed(at time.Time, frameBytes int) {
	i := r.diffs.n.Add(1) - 1
	r.diffs.bytes.Add(int64(frameBytes))
	if i < int64(len(r.diffs.arrivals)) {
		r.diffs.arrivals[i].Store(at.Sub(r.start).Nanoseconds())
	}
}

// resetDiffs starts a broadcast round.
func (r *recorder) resetDiffs() {
	r.diffs.n.Store(0)
	for i := range r.diffs.arrivals {
		r.diffs.arrivals[i].Store(0)
	}
}

// dist is a latency distribution in microseconds.
type dist struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50_us"`
	P90  float64 `json:"p90_us"`
	P99  float64 `json:"p99_us"`
	P999 float64 `json:"p99_9_us"`
	Max  float64 `json:"max_us"`
	Mean float64 `json:"mean_us"`
}

func distOf(ns []int64) dist {
	if len(ns) == 0 {
		return dist{}
	}
	s := slices.Clone(ns)
	slices.Sort(s)
	q := func(p float64) float64 {
		i := int(p*float64(len(s))+0.5) - 1
		return float64(s[min(max(i, 0), len(s)-1)]) / 1e3
	}
	var sum int64
	for _, v := range s {
		sum += v
	}
	return dist{N: len(s), P50: q(0.50), P90: q(0.90), P99: q(0.99), P999: q(0.999),
		Max: float64(s[len(s)-1]) / 1e3, Mean: float64(sum) / float64(len(s)) / 1e3}
}

func (d dist) String() string {
	return fmt.Sprintf("p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (n=%d)",
		us(d.P50), us(d.P90), us(d.P99), us(d.P999), us(d.Max), d.N)
}

// us formats microseconds for the table.
func us(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f s", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.2f ms", v/1e3)
	default:
		return fmt.Sprintf("%.0f µs", v)
	}
}

// cpuTime returns this process's user + system CPU time (getrusage).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// raiseFileLimit lifts the soft limit on open files to the hard limit
// and returns it.
func raiseFileLimit() (uint64, error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, err
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, err
		}
	}
	return rl.Cur, nil
}
