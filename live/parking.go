package live

import (
	"sync"
	"time"
)

// A parkedView is a view mounted for a page's GET, waiting for the
// browser's join to adopt it.
type parkedView struct {
	view    View
	route   *route
	socket  *Socket
	html    []byte // the GET's render: what the browser shows until the join
	expires time.Time
}

// release ends a parked view that will not be adopted: the async tasks
// its Mount started stop. It does nothing to nil.
func (v *parkedView) release() {
	if v != nil {
		v.socket.async.stop()
	}
}

// parking holds parked views: bounded in number (the oldest leave first)
// and in time, single use. It starts no goroutine: expired views are swept
// whenever it is used, and never returned.
type parking struct {
	max int
	ttl time.Duration

	mu     sync.Mutex // guards views, order, closed
	views  map[string]*parkedView
	order  []string // ids in the order they were parked; may hold taken ids
	closed bool
}

func newParking(max int, ttl time.Duration) *parking {
	return &parking{max: max, ttl: ttl, views: map[string]*parkedView{}}
}

// put parks v under id. The parking owns v from then on: v is released
// when it leaves without being taken, or at once after close.
func (p *parking) put(id string, v *parkedView) {
	now := time.Now()
	v.expires = now.Add(p.ttl)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		v.release()
		return
	}
	p.views[id] = v
	p.order = append(p.order, id)
	p.sweepLocked(now)
}

// take returns the view parked under id and forgets it, or nil if there is
// none or it expired. The caller owns the view it returns.
func (p *parking) take(id string) *parkedView {
	now := time.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.views[id]
	delete(p.views, id)
	p.sweepLocked(now)
	if !ok {
		return nil
	}
	if now.After(v.expires) {
		v.release()
		return nil
	}
	return v
}

// sweepLocked drops expired views and, beyond the bound, the oldest.
func (p *parking) sweepLocked(now time.Time) {
	drop := 0
	for _, id := range p.order {
		v, ok := p.views[id]
		switch {
		case !ok:
		case len(p.views) > p.max || now.After(v.expires):
			delete(p.views, id)
			v.release()
		default:
			p.order = p.order[drop:]
			p.compactLocked()
			return
		}
		drop++
	}
	p.order = p.order[:0]
}

// compactLocked reallocates order when taken ids left it mostly empty, so
// it does not grow without bound under a steady stream of adoptions.
func (p *parking) compactLocked() {
	if len(p.order) <= 2*len(p.views)+64 {
		return
	}
	live := make([]string, 0, len(p.views))
	for _, id := range p.order {
		if _, ok := p.views[id]; ok {
			live = append(live, id)
		}
	}
	p.order = live
}

func (p *parking) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sweepLocked(time.Now())
	return len(p.views)
}

// close drops every parked view, and put parks none from then on.
func (p *parking) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.views {
		v.release()
	}
	p.views = map[string]*parkedView{}
	p.order = nil
	p.closed = true
}
