package live

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
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

// countEvent records an event the view is about to handle.
func (vc *viewChannel) countEvent(name string) {
	vc.srv.events.Add(1)
	st := &vc.stats
	st.events.Add(1)
	if p := st.lastEvent.Load(); p == nil || *p != name {
		// A copy, so that only a new name costs an allocation: the address
		// of the parameter itself would move it to the heap on every call.
		last := name
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
	var out []ViewInfo
	srv.views.Range(func(_, v any) bool {
		vc := v.(*viewChannel)
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
		out = append(out, info)
		return true
	})
	slices.SortFunc(out, func(a, b ViewInfo) int {
		return cmp.Or(a.Joined.Compare(b.Joined), strings.Compare(a.ID, b.ID))
	})
	return out
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
