package live

import (
	"context"
	"fmt"

	"github.com/templive/templive/live/channel"
)

// Lagged runs when the view's mailbox overflowed ([channel.Lagger]): a
// view that is a [Lagger] catches up and stays; any other declines, and is
// remounted.
func (vc *viewChannel) Lagged(ctx context.Context, dropped uint64) (err error) {
	ctx = vc.callCtx(ctx)
	l, ok := vc.view.(Lagger)
	if !ok {
		return fmt.Errorf("%w (%d dropped)", channel.ErrMailboxOverflow, dropped)
	}
	vc.dirty = true
	defer recoverCrash(&err, callback{name: "Lagged"})
	if err := l.Lagged(ctx, vc.s, dropped); err != nil {
		return callback{name: "Lagged"}.failed(fmt.Errorf("%d messages dropped: %w", dropped, err))
	}
	return nil
}
