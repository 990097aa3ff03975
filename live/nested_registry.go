package live

import (
	"errors"
	"sync"
	"time"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
)

// nestedRejoinFor is how long the server keeps a layout's nested view
// whose channel ended without its page leaving (a crash, a dropped
// connection), for the browser to join it again, at least.
const nestedRejoinFor = time.Minute

// A nestEntry is a nested view the server keeps for its browser to join:
// how to make it, the connection and parent it belongs to, and its
// channel while joined.
type nestEntry struct {
	id, parent string
	route      *route // makes the view: see nestedRoute
	kept       bool   // its connected parent keeps it, and removes it

	// Guarded by the registry's mu.
	info    *channel.ConnectInfo // the connection it belongs to; identity only
	vc      *viewChannel         // joined on it; nil between joins
	reason  error                // why its parent ended it, for its Terminate
	removed bool
	expires time.Time // when it goes, unjoined; zero while joined or while its parent keeps it
}

// nestRegistry holds the nested views of the server's connections by id.
// An entry a parent registered goes when the parent stops rendering it or
// ends; one no parent keeps (a layout's sticky view) goes some time after
// its last channel ended, unless the browser joined it again (after a
// crash) in between. It starts no goroutine: expired entries are swept
// when the registry is used.
type nestRegistry struct {
	ttl time.Duration

	mu        sync.Mutex // guards byID, lastSweep and the entries' guarded fields
	byID      map[string]*nestEntry
	lastSweep time.Time
}

func newNestRegistry(ttl time.Duration) *nestRegistry {
	return &nestRegistry{ttl: ttl, byID: map[string]*nestEntry{}}
}

// put registers e, which its parent keeps; an entry it replaces (the
// same parent id, mounted again) ends. It refuses e when the id is that
// of a view another parent nests (names with '-' can give a view nested
// in a nested view the id of one nested beside it), or of the layout's
// sticky view, which no page's view replaces.
func (r *nestRegistry) put(e *nestEntry) error {
	r.mu.Lock()
	old := r.byID[e.id]
	if old != nil && (old.parent != e.parent || !old.kept) {
		r.mu.Unlock()
		return errNestedIDTaken
	}
	r.byID[e.id] = e
	r.sweepLocked(time.Now())
	r.mu.Unlock()
	if old != nil {
		r.remove(old, ErrParentEnded)
	}
	return nil
}

// errNestedIDTaken refuses a nested view whose id is another's.
var errNestedIDTaken = errors.New("its id is that of another view nested on the page (the layout's, or one nested in a nested view); rename one of them")

// remove forgets e and ends its channel, if joined; its Terminate will
// receive reason.
func (r *nestRegistry) remove(e *nestEntry, reason error) {
	if e == nil {
		return
	}
	r.mu.Lock()
	if r.byID[e.id] == e {
		delete(r.byID, e.id)
	}
	e.removed, e.reason = true, reason
	vc := e.vc
	r.mu.Unlock()
	if vc != nil {
		vc.cc.Close()
	}
}

// follow moves the entries of the views ns nests to the connection info,
// which their parent was resumed on, so that the page may join them there.
func (r *nestRegistry) follow(ns *nestedViews, info *channel.ConnectInfo) {
	if ns == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, c := range ns.byName {
		if c.entry != nil {
			c.entry.info = info
		}
	}
}

// attach finds the entry of the nested view id for vc's join, on the
// connection info, under parent: the one the server keeps, or a new one
// for the view a layout parked for the page's GET (returned too, for the
// join to adopt).
func (r *nestRegistry) attach(id, parent string, info *channel.ConnectInfo, vc *viewChannel, parked *parking) (*nestEntry, *parkedView, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	r.sweepLocked(now)
	if e := r.byID[id]; e != nil {
		// A view a connected parent rendered belongs to that connection;
		// a layout's follows its parent to the connection it rejoined on.
		if e.parent != parent || (e.kept && e.info != info) {
			return nil, nil, refuse(wire.Refusal{Reason: wire.ReasonUnauthorized})
		}
		e.info, e.vc, e.expires = info, vc, time.Time{}
		return e, nil, nil
	}
	pv := parked.take(id)
	if pv == nil {
		return nil, nil, refuse(wire.Refusal{Reason: wire.ReasonGone})
	}
	e := &nestEntry{id: id, parent: parent, route: pv.route, info: info, vc: vc}
	r.byID[id] = e
	return e, pv, nil
}

// detach lets go of vc, which ended, and returns the reason its parent
// ended it with, if it did. An entry no parent keeps now waits a while
// for the browser to join it again.
func (r *nestRegistry) detach(e *nestEntry, vc *viewChannel) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.vc == vc {
		e.vc = nil
		if !e.removed && !e.kept {
			e.expires = time.Now().Add(r.ttl)
		}
	}
	if e.removed {
		return e.reason
	}
	return nil
}

// sweepLocked drops the entries that waited too long to be joined again,
// at most twice per ttl.
func (r *nestRegistry) sweepLocked(now time.Time) {
	if now.Sub(r.lastSweep) < r.ttl/2 {
		return
	}
	r.lastSweep = now
	for id, e := range r.byID {
		if e.vc == nil && !e.expires.IsZero() && now.After(e.expires) {
			delete(r.byID, id)
			e.removed = true
		}
	}
}
