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

// binaryFrameCost is what a binary frame takes of the event rate: a
// sixteenth of a token. Binary frames carry uploads, whose chunks come as
// fast as the network allows, one per ack, and whose bytes are bounded by
// the inbound queue rather than by a count; a flood of tiny ones still
// meets the limit, at sixteen times the rate.
const binaryFrameCost = 1.0 / 16

// allow takes a token if one is left at now.
func (r *rateLimit) allow(now time.Time) bool { return r.allowCost(now, 1) }

// allowCost takes cost tokens if that many are left at now.
func (r *rateLimit) allowCost(now time.Time, cost float64) bool {
	if r.perSecond == 0 {
		return true
	}
	if !r.last.IsZero() {
		r.tokens = min(2*r.perSecond, r.tokens+r.perSecond*now.Sub(r.last).Seconds())
	}
	r.last = now
	if r.tokens < cost {
		return false
	}
	r.tokens -= cost
	return true
}
