package live

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"
)

// A ViewInfo describes a connected view to an operator (see
// [Server.Views]): where it is, since when, and how busy. It holds no
// state of the view's own.
type ViewInfo struct {
	ID         string
	Route      string // the pattern it was registered with
	Path       string // the URL path it joined with
	SocketID   string // its connection's [Options.SocketID], "" if none
	RemoteAddr string
	Joined     time.Time
	// Mailbox is how many PubSub messages and client messages wait for
	// the view's goroutine now.
	Mailbox int
	// Events is how many events the view handled; LastEvent is the name
	// of the last, at LastEventAt.
	Events      int64
	LastEvent   string
	LastEventAt time.Time
	// Update is the time the last update took: callbacks aside, render,
	// parse, diff and encode.
	Update time.Duration
}

// viewStats is what a view's goroutine records of itself for
// [Server.Views], which reads it from other goroutines.
type viewStats struct {
	joined      time.Time // set before the view is reachable
	path        string
	events      atomic.Int64
	lastEvent   atomic.Pointer[string]
	lastEventAt atomic.Int64 // unix nanoseconds
	update      atomic.Int64 // nanoseconds
}

// maxLastEvent is the most bytes of an event's name a view keeps.
const maxLastEvent = 100

// countEvent records an event the view is about to handle.
func (vc *viewChannel) countEvent(name string) {
	vc.srv.events.Add(1)
	st := &vc.stats
	st.events.Add(1)
	// The client chooses the name, up to MaxEventBytes: the view keeps a
	// short prefix, which is what a dashboard lists.
	long := len(name) > maxLastEvent
	if long {
		i := maxLastEvent
		for i > 0 && !utf8.RuneStart(name[i]) {
			i-- // no rune cut in two
		}
		name = name[:i]
	}
	if p := st.lastEvent.Load(); p == nil || *p != name {
		// A copy, so that only a new name costs an allocation: the address
		// of the parameter itself would move it to the heap on every call.
		last := name
		if long {
			last = strings.Clone(name) // not the whole name behind it
		}
		st.lastEvent.Store(&last)
	}
	st.lastEventAt.Store(time.Now().UnixNano())
}

// updated records the time of an update that started at start.
func (st *viewStats) updated(start time.Time) { st.update.Store(int64(time.Since(start))) }

// Views returns the views connected to this server now, in the order they
// joined, for a dashboard: the snapshot of each is taken without stopping
// it. It walks every view, so call it at a human's rate, not per event.
func (srv *Server) Views() []ViewInfo {
	var all []*viewChannel
	srv.views.Range(func(_, v any) bool {
		all = append(all, v.(*viewChannel))
		return true
	})
	slices.SortFunc(all, joinedOrder)
	out := make([]ViewInfo, len(all))
	for i, vc := range all {
		out[i] = vc.info()
	}
	return out
}

// NewestViews returns the n views that joined last, the newest first, and
// how many views are connected: what a dashboard lists, at a cost that
// grows with n, not with the views held (the others are counted and
// compared, neither copied nor sorted).
func (srv *Server) NewestViews(n int) (newest []ViewInfo, total int) {
	if n <= 0 {
		srv.views.Range(func(_, _ any) bool { total++; return true })
		return nil, total
	}
	// keep is a min-heap by join order of the newest views seen so far.
	// It grows as views are seen, rather than reserving n, so that an n
	// that means "all of them" cannot ask for more memory than exists.
	var keep []*viewChannel
	srv.views.Range(func(_, v any) bool {
		total++
		vc := v.(*viewChannel)
		switch {
		case len(keep) < n:
			keep = append(keep, vc)
			up(keep, len(keep)-1)
		case joinedOrder(vc, keep[0]) > 0:
			keep[0] = vc
			down(keep, 0)
		}
		return true
	})
	slices.SortFunc(keep, func(a, b *viewChannel) int { return joinedOrder(b, a) })
	newest = make([]ViewInfo, len(keep))
	for i, vc := range keep {
		newest[i] = vc.info()
	}
	return newest, total
}

// joinedOrder orders views by when they joined, then by id.
func joinedOrder(a, b *viewChannel) int {
	return cmp.Or(a.stats.joined.Compare(b.stats.joined), strings.Compare(a.s.id, b.s.id))
}

// up and down restore the min-heap h (by joinedOrder) after h[i] was
// added at its end or replaced at its top.
func up(h []*viewChannel, i int) {
	for i > 0 {
		p := (i - 1) / 2
		if joinedOrder(h[i], h[p]) >= 0 {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func down(h []*viewChannel, i int) {
	for {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && joinedOrder(h[l], h[least]) < 0 {
			least = l
		}
		if r < len(h) && joinedOrder(h[r], h[least]) < 0 {
			least = r
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}

// info takes the view's snapshot for an operator.
func (vc *viewChannel) info() ViewInfo {
	st := &vc.stats
	info := ViewInfo{
		ID:         vc.s.id,
		Route:      vc.rt.pattern,
		Path:       st.path,
		SocketID:   vc.cc.SocketID(),
		RemoteAddr: vc.cc.ConnectInfo().RemoteAddr,
		Joined:     st.joined,
		Mailbox:    vc.cc.Mailbox().Len(),
		Events:     st.events.Load(),
		Update:     time.Duration(st.update.Load()),
	}
	if p := st.lastEvent.Load(); p != nil {
		info.LastEvent, info.LastEventAt = *p, time.Unix(0, st.lastEventAt.Load())
	}
	return info
}

// EndView ends the connected view id from the server side, as an operator
// does from a dashboard: its Terminate runs with [channel.ErrClosed], and
// the browser is told the view closed and does not rejoin it. It does not
// wait.
func (srv *Server) EndView(id string) error {
	v, ok := srv.views.Load(id)
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoView, id)
	}
	v.(*viewChannel).cc.Close()
	return nil
}
