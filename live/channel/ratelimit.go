package channel

import "time"

// rateLimit is a token bucket refilled at perSecond tokens a second,
// holding up to twice that. The zero perSecond allows everything.
type rateLimit struct {
	perSecond float64
	tokens    float64
	last      time.Time
}

func newRateLimit(perSecond int) *rateLimit {
	return &rateLimit{perSecond: float64(perSecond), tokens: 2 * float64(perSecond)}
}

// allow takes a token if one is left at now.
func (r *rateLimit) allow(now time.Time) bool {
	if r.perSecond == 0 {
		return true
	}
	if !r.last.IsZero() {
		r.tokens = min(2*r.perSecond, r.tokens+r.perSecond*now.Sub(r.last).Seconds())
	}
	r.last = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}
