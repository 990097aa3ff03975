package live

import (
	"context"

	"github.com/templive/templive/internal/wire"
)

// settleAsync hands the view the results of the async tasks that finished,
// before it renders, and releases the Pings that waited for no task to be
// pending. Drained calls it whatever it was woken by, so a result is
// delivered even if its wake was lost with a mailbox's backlog.
func (vc *viewChannel) settleAsync(ctx context.Context) error {
	r := vc.s.async
	if r == nil {
		return nil
	}
	delivered, err := r.deliver(ctx, vc.s)
	if delivered {
		vc.dirty = true
	}
	if err != nil {
		return err
	}
	if len(r.awaiting) > 0 && !r.pending() {
		vc.pings = append(vc.pings, r.awaiting...)
		r.awaiting = nil
	}
	return nil
}

// ping answers p after the next render or, when p waits for the view's
// async tasks, after the render that follows the last of them.
func (vc *viewChannel) ping(p wire.Ping) {
	if r := vc.s.async; p.Async && r.pending() {
		r.awaiting = append(r.awaiting, p.Ref)
		return
	}
	vc.pings = append(vc.pings, p.Ref)
}
