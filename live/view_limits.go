package live

import (
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
)

// Reasons of the refusals a view's client gets for events it sends beyond
// the server's limits; the view goes on.
const (
	reasonEventTooLarge = "event too large"
	reasonRateLimited   = "rate limited"
)

// admit refuses a client message the view must not handle: one larger
// than Options.MaxEventBytes, or one past the connection's event rate
// (Options.EventsPerSecond). It is checked before anything is decoded.
func (vc *viewChannel) admit(msg channel.Message) (channel.Reply, bool) {
	if len(msg.Payload)+len(msg.Binary) > vc.srv.maxEventBytes {
		return channel.ReplyReason(reasonEventTooLarge), false
	}
	if vc.events != nil && !vc.events.allow() {
		return channel.ReplyReason(reasonRateLimited), false
	}
	return channel.Reply{}, true
}

// admitJoin refuses a join past the connection's event rate: a join mounts
// a whole view, which costs more than any event, and a duplicate join
// replaces the view, so without this one connection could mount as often
// as the socket's frame limit lets frames in. The client retries a join
// refused so with backoff.
func (vc *viewChannel) admitJoin() error {
	if vc.events != nil && !vc.events.allow() {
		return refuse(wire.Refusal{Reason: reasonRateLimited})
	}
	return nil
}
