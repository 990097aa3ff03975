package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strconv"

	"github.com/templive/templive/pubsub"
)

// run is the channel's goroutine: Join, then events, PubSub messages and
// stop requests one at a time until the channel ends.
func (c *Conn) run(ctx context.Context, ch Channel, payload json.RawMessage, joinMsgRef string) {
	// Deferred calls run last first: what is still queued is dropped once
	// done is closed, so the reader queues nothing more after it.
	defer c.dropQueued()
	defer close(c.done)
	c.busy.Store(true) // Join's pushes are held; the reply is written below
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	sc := c.client.sock
	op := Op{Kind: OpJoin, Pattern: sc.pattern(c.topic), Topic: c.topic}
	var joining observing
	jctx := sc.observe(ctx, &joining, op)
	resp, err := c.join(jctx, ch, payload)
	joining.end(jctx, err)
	joined := err == nil
	if joined {
		err = c.Subscribe(c.topic)
	}
	if err != nil {
		c.endSubscriptions()
		c.client.removeChannel(c)
		c.markEnded()
		var je *JoinError
		r := ReplyReason("join crashed")
		var ce *CrashError
		if errors.As(err, &je) {
			r = ReplyError(je.Response)
		} else {
			ce = asCrash("Join", err)
			c.logCrash(ch, ce)
		}
		c.sendFinal(c.replyFrame(joinMsgRef, r))
		if joined {
			// Join succeeded, so the Channel holds what it set up: it is
			// told that it ended, as after a crash.
			c.tell(ch, ce)
		}
		return
	}
	// The reply goes first, then what Join pushed, so the client is joined
	// before it sees them. Both are queued before the lock lets a push
	// from another goroutine past the joining check: none can overtake
	// the reply.
	reply := c.replyFrame(joinMsgRef, ReplyOK(resp))
	c.mu.Lock()
	c.joining = false
	c.client.queue(append([]outFrame{reply}, c.pending...))
	c.pending, c.pendingLen = nil, 0
	c.mu.Unlock()
	c.flush()

	var life observing
	op.Kind = OpChannel
	lctx := sc.observe(ctx, &life, op)
	reason := c.loop(ctx, ch, op.Pattern)
	life.end(lctx, c.terminate(ch, reason))
}

// join runs ch.Join, turning a panic into an error.
func (c *Conn) join(ctx context.Context, ch Channel, payload json.RawMessage) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked("Join", v)
		}
	}()
	return ch.Join(ctx, payload)
}

// maxBurst is how many things (client events, PubSub messages,
// broadcasts) the goroutine handles before it calls [Drainer.Drained]
// even though more are queued. Without a bound, a channel whose queue
// never empties — a live view under a steady stream of messages — would
// never render, and the replies it holds back would pile up without
// limit. 64 keeps a burst's renders few while bounding the wait of the
// first event of a burst to 64 handlings.
const maxBurst = 64

// loop handles one thing at a time until a stop, a leave or a crash, and
// returns the reason. pattern is the route's, for the Observer.
func (c *Conn) loop(ctx context.Context, ch Channel, pattern string) (reason error) {
	// The callback running now and what it is about, to name a crash
	// without formatting anything on the way of every message.
	var doing, about string
	crash := func(err error) error { return asCrash(opName(doing, about), err) }
	defer func() {
		if v := recover(); v != nil {
			reason = panicked(opName(doing, about), v)
		}
	}()
	info, _ := ch.(InfoHandler)
	dr, _ := ch.(Drainer)
	lag, _ := ch.(Lagger)
	var reported uint64 // Mailbox.Dropped at the last Lagged
	out, _ := ch.(Interceptor)
	var intercepts map[string]bool
	if out != nil {
		intercepts = map[string]bool{}
		for _, ev := range out.Intercepts() {
			intercepts[ev] = true
		}
	}
	handled := 0 // since the last Drained
	defer c.flush()
	for {
		// A select picks at random among its ready cases, so a stop must
		// be checked on its own first: after Close, nothing queued may
		// still be handled.
		select {
		case <-c.stop:
			return c.stopped()
		default:
		}
		select {
		case <-c.stop:
			return c.stopped()
		case <-c.mailbox.Overflow():
			if lag == nil {
				return fmt.Errorf("%w (%d dropped)", ErrMailboxOverflow, c.mailbox.Dropped())
			}
			// What is still queued precedes the gap: it goes too, and
			// counts as lost.
			discarded := c.mailbox.Resume()
			total := c.mailbox.Dropped()
			dropped := total - reported + uint64(discarded)
			reported = total
			c.logger.Debug("channel mailbox overflowed; catching up", "dropped", dropped)
			doing, about = "Lagged", ""
			if err := lag.Lagged(ctx, dropped); err != nil {
				if errors.Is(err, ErrMailboxOverflow) {
					return err // declined: end as without Lagged
				}
				return crash(err)
			}
		case in := <-c.in:
			c.client.releaseInbound(in.f.size)
			if in.f.event == eventLeave {
				// Free the topic's slot before the client learns it left,
				// so that a join it sends next is counted without it.
				c.client.removeChannel(c)
				c.client.enqueueInline(c.replyFrame(in.f.ref, ReplyOK(nil)))
				return ErrLeft
			}
			ev := Message{Name: in.f.event, Ref: in.f.ref, Payload: in.f.payload, Binary: in.f.binary}
			doing, about = "HandleIn", ev.Name
			r, err := c.handleIn(ctx, ch, ev, pattern)
			if err != nil {
				return crash(err)
			}
			if r.status != "" && in.f.ref != "" {
				c.busy.Store(true)
				err := c.Reply(in.f.ref, r)
				c.flush()
				if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrSlowClient) {
					doing = "the reply of HandleIn"
					return crash(err)
				}
			}
		case m := <-c.mailbox.C():
			if b, ok := m.Payload.(*Broadcast); ok && m.Topic == c.topic {
				if intercepts[b.Event] {
					doing, about = "HandleOut", b.Event
					if err := out.HandleOut(ctx, b); err != nil {
						return crash(err)
					}
					break
				}
				f, err := b.encoded()
				if err != nil {
					c.logger.Error("broadcast not sent", "event", b.Event, "err", err)
					break
				}
				c.client.enqueueInline(f)
				break
			}
			if info != nil {
				doing, about = "HandleInfo", m.Topic
				if err := info.HandleInfo(ctx, m); err != nil {
					return crash(err)
				}
			}
		}
		handled++
		if dr != nil && (handled >= maxBurst || len(c.in) == 0 && c.mailbox.Len() == 0) {
			handled = 0
			doing, about = "Drained", ""
			c.busy.Store(true)
			err := dr.Drained(ctx)
			c.flush()
			if err != nil {
				return crash(err)
			}
		}
	}
}

// handleIn runs ch.HandleIn, telling the Observer; a panic in it is
// returned as its crash.
func (c *Conn) handleIn(ctx context.Context, ch Channel, ev Message, pattern string) (r Reply, err error) {
	var ob observing
	ctx = c.client.sock.observe(ctx, &ob, Op{Kind: OpMessage, Pattern: pattern, Topic: c.topic, Event: ev.Name})
	defer func() {
		if v := recover(); v != nil {
			err = panicked(opName("HandleIn", ev.Name), v)
		}
		ob.end(ctx, err)
	}()
	return ch.HandleIn(ctx, ev)
}

// dropQueued drops the client frames still queued for an ended channel.
// Both the channel's goroutine and the reader call it; each frame is
// received, and released, by one of them.
func (c *Conn) dropQueued() {
	for {
		select {
		case in := <-c.in:
			c.client.releaseInbound(in.f.size)
		default:
			return
		}
	}
}

// opName names a callback for a [CrashError]: `HandleIn "new_msg"`.
func opName(doing, about string) string {
	if about == "" {
		return doing
	}
	return doing + " " + strconv.Quote(about)
}

// stopped returns the reason the channel was asked to stop.
func (c *Conn) stopped() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopReason
}

// logCrash logs, once, why a channel crashed: the layer that ends its
// lifecycle is the one that says so. A Channel that implements
// [slog.LogValuer] describes itself in the line.
func (c *Conn) logCrash(ch Channel, ce *CrashError) {
	attrs := []any{"op", ce.Op, "err", ce.Err}
	if lv, ok := ch.(slog.LogValuer); ok {
		attrs = append(attrs, "channel", lv)
	}
	if ce.Stack != nil {
		attrs = append(attrs, "stack", string(ce.Stack))
	}
	c.logger.Error("channel crashed", attrs...)
}

// terminate tells the client and the Channel that the channel ended, and
// releases its subscriptions. It returns the reason the Channel was told.
func (c *Conn) terminate(ch Channel, reason error) error {
	if reason == errConnLost {
		if c.park(ch) {
			return ErrClosed
		}
		reason = ErrClosed
	}
	c.endSubscriptions()
	c.client.removeChannel(c)
	// From here on Push and Reply fail, so nothing follows the final frame.
	c.markEnded()

	var ce *CrashError
	switch {
	case errors.As(reason, &ce), errors.Is(reason, ErrMailboxOverflow):
		if ce != nil {
			c.logCrash(ch, ce)
		} else {
			c.logger.Warn("channel mailbox overflowed", "err", reason)
		}
		f := encodeText(c.joinRef, c.joinRef, c.topic, eventError, json.RawMessage(`{"reason":"channel_crash"}`))
		c.sendFinal(outFrame{data: f})
	case reason == errServerClose || reason == errDuplicateJoin:
		c.sendFinal(outFrame{data: encodeText(c.joinRef, c.joinRef, c.topic, eventClose, nil)})
	}

	switch {
	case reason == errServerClose:
		reason = ErrClosed
	case reason == errDuplicateJoin:
		reason = ErrLeft
	}
	c.tell(ch, reason)
	return reason
}

// tell calls the Channel's Terminate, if it has one, with reason; a panic
// in it is logged, since nothing is left to crash.
func (c *Conn) tell(ch Channel, reason error) {
	t, ok := ch.(Terminator)
	if !ok {
		return
	}
	defer func() {
		if v := recover(); v != nil {
			c.logger.Error("channel Terminate panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	t.Terminate(reason)
}

// replyFrame encodes a reply; a reply that cannot be encoded becomes an
// error reply the client can still match to its push.
func (c *Conn) replyFrame(ref string, r Reply) outFrame {
	f, err := encodeReply(c.joinRef, ref, c.topic, r)
	if err != nil {
		c.logger.Error("reply not encoded", "err", err)
		f, _ = encodeReply(c.joinRef, ref, c.topic, ReplyReason("reply not encoded"))
	}
	return f
}

// sendFinal queues a frame that ends the channel, bypassing the ended
// check.
func (c *Conn) sendFinal(f outFrame) {
	c.client.enqueue(f)
}

func (c *Conn) markEnded() {
	c.mu.Lock()
	c.ended = true
	c.pending, c.pendingLen = nil, 0
	c.mu.Unlock()
}

// endSubscriptions closes every subscription of the channel.
func (c *Conn) endSubscriptions() {
	c.mu.Lock()
	subs := c.subs
	c.subs = map[string]*pubsub.Subscription{}
	c.mu.Unlock()
	for _, s := range subs {
		s.Close()
	}
}
