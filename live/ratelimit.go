package live

import (
	"fmt"
	"maps"
	"sync"
	"time"
)

// A bucket is a token bucket: it refills at a rate of tokens a second, up
// to a burst, and each action takes a token. The zero bucket is full.
type bucket struct {
	tokens float64
	last   time.Time // zero: never used, so full
}

// take refills b for the time since its last use and takes a token if one
// is left.
func (b *bucket) take(now time.Time, rate, burst float64) bool {
	if b.last.IsZero() {
		b.tokens = burst
	} else {
		b.tokens = min(burst, b.tokens+rate*now.Sub(b.last).Seconds())
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// full reports whether b has refilled by now: forgetting it changes
// nothing, since a new bucket is full.
func (b *bucket) full(now time.Time, rate, burst float64) bool {
	return b.tokens+rate*now.Sub(b.last).Seconds() >= burst
}

// A RateLimiter lets each key — a user id, a socket id — act perSecond
// times a second on average, in bursts of up to burst: a token bucket per
// key. Use it where an action of one user costs many others, such as a
// chat message or a post that every viewer receives, in the live view's
// HandleEvent and in a Channel's HandleIn alike:
//
//	if !posts.Allow(s.Session().Get("user")) {
//		v.Problem = "You are posting too fast."
//		return nil
//	}
//
// Key by who acts, not by connection, so that tabs and reconnects share
// one allowance. A RateLimiter is safe for concurrent use and starts no
// goroutine. Its memory follows the keys active lately: a key idle long
// enough for its bucket to refill is forgotten, since a fresh one is the
// same, and the map is rebuilt smaller once most of its keys are gone.
//
// One mutex guards all keys: an Allow holds it for a map access, and a
// sweep, at most once per refill time, for a pass over the keys.
type RateLimiter struct {
	rate, burst float64

	mu      sync.Mutex // guards buckets, peak, swept
	buckets map[string]bucket
	peak    int // the most keys buckets has held since it was made
	swept   time.Time
}

// shrinkBelow is the fraction of its peak a map's keys must fall under
// for a sweep to copy them into a new, smaller map: a Go map never gives
// back the room it grew to. Copying only then keeps the cost of copies
// within that of the inserts that grew the map.
const shrinkBelow = 4

// minShrink is the peak under which a map is never rebuilt: its room
// costs less than the copy.
const minShrink = 1024

// NewRateLimiter returns a RateLimiter allowing perSecond actions a second
// per key, in bursts of up to burst. It panics unless perSecond > 0 and
// burst >= 1: both are programming errors.
func NewRateLimiter(perSecond float64, burst int) *RateLimiter {
	if !(perSecond > 0) || burst < 1 {
		panic(fmt.Sprintf("live: NewRateLimiter expects perSecond > 0 and burst >= 1, got %v and %d", perSecond, burst))
	}
	return &RateLimiter{rate: perSecond, burst: float64(burst), buckets: map[string]bucket{}}
}

// Allow reports whether key may act now, and counts the action if so.
func (l *RateLimiter) Allow(key string) bool {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweepLocked(now)
	b := l.buckets[key]
	ok := b.take(now, l.rate, l.burst)
	l.buckets[key] = b
	l.peak = max(l.peak, len(l.buckets))
	return ok
}

// sweepLocked forgets the keys whose buckets have refilled. It runs at
// most once per refill time (burst/rate), so its cost, one pass over the
// keys, is spread over the actions of that time. When the keys left are
// under a quarter of the map's peak it copies them into a new map, so that
// the memory of a burst of keys goes too.
func (l *RateLimiter) sweepLocked(now time.Time) {
	refill := time.Duration(l.burst / l.rate * float64(time.Second))
	if now.Sub(l.swept) < refill {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if b.full(now, l.rate, l.burst) {
			delete(l.buckets, k)
		}
	}
	if l.peak >= minShrink && len(l.buckets) < l.peak/shrinkBelow {
		// Not maps.Clone, which keeps the room of the map it copies.
		small := make(map[string]bucket, len(l.buckets))
		maps.Copy(small, l.buckets)
		l.buckets = small
		l.peak = len(l.buckets)
	}
}

// len returns how many keys the limiter remembers.
func (l *RateLimiter) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// eventRate is the allowance of client events shared by the views of one
// live connection ([Options.EventsPerSecond]), which run on goroutines of
// their own.
type eventRate struct {
	rate float64

	mu sync.Mutex // guards b
	b  bucket
}

func newEventRate(perSecond int) *eventRate {
	return &eventRate{rate: float64(perSecond)}
}

// allow takes a token if one is left: the burst is twice the rate.
func (r *eventRate) allow() bool {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.b.take(now, r.rate, 2*r.rate)
}
