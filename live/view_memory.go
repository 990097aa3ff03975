package live

import (
	"math"
	"runtime/debug"
	"sync/atomic"
	"unsafe"

	"github.com/templive/templive/render"
)

// ViewOverhead is what a connected view costs beyond its last render, in
// the estimate [Options.MaxViewBytes] caps. Measured for idle counter
// views (442 bytes of HTML), each alone on its connection, with
// `go run ./examples/loadgen -n 2000`: 15.1 KB of heap (the view, its
// socket, channel, mailbox and connection) and 20.2 KB of goroutine stacks
// (the connection's reader and writer, the view's own), 38.6 KB of RSS. A
// second view on the same connection costs less; the estimate does not
// try to tell.
const ViewOverhead = 40 << 10

// maxViewBytes resolves [Options.MaxViewBytes]: zero means half of the Go
// memory limit if one is set, and no cap (0) otherwise.
func maxViewBytes(opt int64) int64 {
	switch {
	case opt < 0:
		return 0
	case opt > 0:
		return opt
	}
	if limit := debug.SetMemoryLimit(-1); limit < math.MaxInt64 {
		return limit / 2
	}
	return 0
}

// viewBudget is the memory the connected views of a server hold, as
// estimated by [viewChannel.retained], and its cap, which the frames
// queued for the live connections share. It is safe for concurrent use.
type viewBudget struct {
	max    int64        // 0: no cap
	used   atomic.Int64 // the views' estimate
	queued func() int64 // the live socket's outbound queues; nil: none
}

// others is what shares the cap with the views.
func (b *viewBudget) others() int64 {
	if b.queued == nil {
		return 0
	}
	return b.queued()
}

// room reports whether n more bytes fit.
func (b *viewBudget) room(n int64) bool {
	return b.max == 0 || b.used.Load()+b.others()+n <= b.max
}

// reserve adds n to the total if it stays within the cap, and reports
// whether it did.
func (b *viewBudget) reserve(n int64) bool {
	queued := int64(0)
	if b.max != 0 {
		queued = b.others()
	}
	for {
		cur := b.used.Load()
		if b.max != 0 && cur+queued+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// reasonServerBusy refuses a join that would pass Options.MaxViewBytes.
const reasonServerBusy = "server busy"

// retained estimates what the view holds between renders: its last render,
// the renders it keeps for a resume, and the fixed overhead.
func (vc *viewChannel) retained() int64 {
	kept := ViewOverhead + int64(vc.log.bytes+vc.replies.bytes) // the renders and hook replies kept for a resume
	if vc.last.compact == nil {
		return kept + vc.last.bytes()
	}
	if vc.last.compact != vc.measured {
		vc.measured, vc.measuredBytes = vc.last.compact, treeBytes(vc.last.compact)
	}
	return kept + vc.measuredBytes
}

// charge counts the view in the server's budget, at its first render; it
// reports false, counting nothing, when the view does not fit.
func (vc *viewChannel) charge() bool {
	n := vc.retained()
	if !vc.srv.viewBytes.reserve(n) {
		return false
	}
	vc.charged = n
	return true
}

// recharge follows the view's size after a render. A view already
// connected is never refused: only joins are.
func (vc *viewChannel) recharge() {
	if vc.charged == 0 {
		return
	}
	if n := vc.retained(); n != vc.charged {
		vc.srv.viewBytes.used.Add(n - vc.charged)
		vc.charged = n
	}
}

// uncharge takes the view out of the budget when it ends.
func (vc *viewChannel) uncharge() {
	vc.srv.viewBytes.used.Add(-vc.charged)
	vc.charged = 0
}

// treeBytes estimates the memory of a compact tree: its nodes, attributes
// and strings.
func treeBytes(n *render.Node) int64 {
	size := int64(unsafe.Sizeof(*n)) + int64(len(n.Data))
	for _, a := range n.Attrs {
		size += int64(unsafe.Sizeof(a)) + int64(len(a.Key)+len(a.Val))
	}
	for i := range n.Children {
		size += treeBytes(&n.Children[i])
	}
	return size
}
