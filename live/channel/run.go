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

// run joins the channel, on a goroutine the reader starts for it, then
// handles what is already queued. From then on the channel has a goroutine
// only while it has work (see work): events, PubSub messages and stop
// requests are handled one at a time until the channel ends.
func (c *Conn) run(ctx context.Context, ch Channel, payload json.RawMessage, joinMsgRef string) {
	c.busy.Store(true) // Join's pushes are held; the reply is written below
	ctx, cancel := context.WithCancel(ctx)

	sc := c.client.sock
	op := Op{Kind: OpJoin, Pattern: sc.pattern(c.topic), Topic: c.topic}
	var joining observing
	jctx := sc.observe(ctx, &joining, op)
	// A Join that calls runtime.Goexit (t.FailNow in a test) does not
	// return, and recover does not see it: the join fails here then, as a
	// crashed one, so that the client is answered and the channel
	// released rather than waited for forever.
	returned := false
	defer func() {
		if !returned {
			err := asCrash("Join", errGoexit)
			joining.end(jctx, err)
			c.failJoin(ch, joinMsgRef, err, false, cancel)
		}
	}()
	resp, err := c.join(jctx, ch, payload)
	returned = true
	joining.end(jctx, err)
	joined := err == nil
	if joined {
		err = c.Subscribe(c.topic)
	}
	if err != nil {
		c.failJoin(ch, joinMsgRef, err, joined, cancel)
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

	l := &loopState{ch: ch, pattern: op.Pattern, cancel: cancel}
	l.info, _ = ch.(InfoHandler)
	l.dr, _ = ch.(Drainer)
	l.lag, _ = ch.(Lagger)
	if out, ok := ch.(Interceptor); ok {
		l.out = out
		l.intercepts = map[string]bool{}
		for _, ev := range out.Intercepts() {
			l.intercepts[ev] = true
		}
	}
	op.Kind = OpChannel
	l.ctx = sc.observe(ctx, &l.life, op)
	c.loop = l
	// From here on deliveries wake the channel (its mailbox may have been
	// adopted in Join).
	c.mailbox.Notify(c.wake)
	c.work()
}

// failJoin ends a channel whose join failed with err, answering the
// client's join (ref joinMsgRef). joined says whether Join itself
// succeeded, and something after it failed.
func (c *Conn) failJoin(ch Channel, joinMsgRef string, err error, joined bool, cancel context.CancelFunc) {
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
	c.exit(cancel)
}

// errGoexit is the crash of a callback that called runtime.Goexit.
var errGoexit = errors.New("runtime.Goexit called")

// loopState is what a channel's handling keeps between two spells of
// work, each on a goroutine of its own.
type loopState struct {
	ctx     context.Context
	cancel  context.CancelFunc
	life    observing
	ch      Channel
	pattern string // the route's, for the Observer

	info       InfoHandler
	dr         Drainer
	lag        Lagger
	out        Interceptor
	intercepts map[string]bool

	reported     uint64 // Mailbox.Dropped at the last Lagged
	mailboxFirst bool   // a client frame was handled last: a message goes next
	handled      int    // things handled since the last Drained
	// The callback running now and what it is about, to name a crash
	// without formatting anything on the way of every message.
	doing, about string
}

// A channel's goroutine comes and goes with its work. An idle channel
// (nothing queued in c.in or its mailbox, no stop requested) has none: its
// state is its Channel value and the Conn, and a connection's idle
// channels cost no goroutine stack, which for a live view that rendered is
// most of what it would hold. Whatever gives the channel work — the reader
// queueing a client frame, a delivery into the mailbox (Mailbox.Notify),
// a stop request — calls wake, which starts a goroutine unless one runs.
// That goroutine handles what is queued, as the one goroutine a channel
// used to have did, and returns when nothing is left; callbacks still run
// one at a time, never two at once.
//
// c.sched says whether a goroutine runs (or is about to), and whether a
// wake came since it last looked at the queues. wake sets it to woken and
// starts a goroutine if it was idle; work sets it back to running before
// each look, and goes idle only if no wake came since: a compare-and-swap
// from running to idle, which fails once a wake has set woken. Every
// operation on the word reads it as it writes it (Swap or
// CompareAndSwap), so each is ordered after all those before it, and
// whatever was queued before a wake is seen by the look that follows,
// whatever the memory ordering of the machine. (Going idle with a plain
// store and then reading the queues' lengths, which are plain loads,
// would let a processor that performs a load before an earlier store is
// seen, as ARM does, find the queues empty before others see the
// goroutine idle, and lose the wake of what was queued in between.)
//
// Running is the zero value: a Conn belongs to the goroutine that joins
// it from the moment it exists. Its constructor may hand it to others,
// and a Close (a wake) before the join must not start a goroutine that
// handles a channel that has not joined. An ended channel is never idle
// again, so that no wake starts a goroutine for it.
const (
	schedRunning = iota
	schedWoken
	schedIdle
)

// wake makes sure a goroutine handles the channel's work.
func (c *Conn) wake() {
	if c.sched.Swap(schedWoken) == schedIdle {
		go c.work()
	}
}

// work handles what is queued until nothing is, or the channel ends.
func (c *Conn) work() {
	// A callback that calls runtime.Goexit unwinds this goroutine without
	// handleQueued returning, and recover does not see it: the channel
	// ends here then, as after a crash. Otherwise nothing would close
	// done or say wg.Done, and the connection would wait for the channel
	// forever.
	goexit := true
	defer func() {
		if goexit {
			c.end(asCrash(opName(c.loop.doing, c.loop.about), errGoexit))
		}
	}()
	for {
		// A Swap, not a Store: it reads the wake it clears, which orders
		// what that wake's caller queued before the look below.
		c.sched.Swap(schedRunning)
		if reason, ended := c.handleQueued(); ended {
			goexit = false
			c.end(reason)
			return
		}
		if c.sched.CompareAndSwap(schedRunning, schedIdle) {
			goexit = false
			return
		}
	}
}

// closing reports whether the connection is closing, the channel not yet
// stopped. serve stops every channel once the reader has returned, and
// that stop says how the channel ends: parked if the connection was lost.
// Until then nothing is handled, since no reply could be sent: above all
// not a mailbox overflow, which the channel's goroutine may have been kept
// from by a write to a client then found too slow, and which would crash a
// channel that parks. The stop wakes the channel.
func (c *Conn) closing() bool {
	select {
	case <-c.client.done:
		return true
	default:
		return false
	}
}

// end ends the channel's handling for reason: terminate, then release
// what the Conn holds. The channel's goroutine stays marked running, so
// that no wake starts another.
func (c *Conn) end(reason error) {
	l := c.loop
	c.mailbox.Notify(nil)
	// Deferred, so that a Terminate or Park that calls runtime.Goexit
	// still ends the span and releases the channel.
	told := reason
	defer func() {
		l.life.end(l.ctx, told)
		c.exit(l.cancel)
	}()
	told = c.terminate(l.ch, reason)
}

// exit releases what a channel holds once it has ended: its context, its
// place in the connection, and what is still queued for it, which is
// dropped once done is closed, so that the reader queues nothing more.
func (c *Conn) exit(cancel context.CancelFunc) {
	cancel()
	close(c.done)
	c.dropQueued()
	c.client.wg.Done()
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
// broadcasts) the channel handles before it calls [Drainer.Drained]
// even though more are queued. Without a bound, a channel whose queue
// never empties — a live view under a steady stream of messages — would
// never render, and the replies it holds back would pile up without
// limit. 64 keeps a burst's renders few while bounding the wait of the
// first event of a burst to 64 handlings.
const maxBurst = 64

// handleQueued handles one thing at a time until nothing is queued
// (ended false) or a stop, a leave or a crash ends the channel (ended
// true, and why).
func (c *Conn) handleQueued() (reason error, ended bool) {
	l := c.loop
	ctx := l.ctx
	crash := func(err error) (error, bool) { return asCrash(opName(l.doing, l.about), err), true }
	defer func() {
		if v := recover(); v != nil {
			reason, ended = panicked(opName(l.doing, l.about), v), true
		}
	}()
	defer c.flush()
	for {
		// A select picks at random among its ready cases, so a stop must
		// be checked on its own first: after Close, nothing queued may
		// still be handled.
		select {
		case <-c.stop:
			return c.stopped(), true
		default:
		}
		if c.closing() {
			return nil, false
		}
		if l.mailboxFirst {
			// After a client frame, a message waiting goes first: neither
			// kind starves the other.
			l.mailboxFirst = false
			if m, ok := c.mailbox.TryReceive(); ok {
				if err := c.handleMessage(l, m); err != nil {
					return crash(err)
				}
				goto handled
			}
		}
		select {
		case <-c.stop:
			return c.stopped(), true
		case <-c.mailbox.Overflow():
			if l.lag == nil {
				return fmt.Errorf("%w (%d dropped)", ErrMailboxOverflow, c.mailbox.Dropped()), true
			}
			// What is still queued precedes the gap: it goes too, and
			// counts as lost.
			discarded := c.mailbox.Resume()
			total := c.mailbox.Dropped()
			dropped := total - l.reported + uint64(discarded)
			l.reported = total
			c.logger.Debug("channel mailbox overflowed; catching up", "dropped", dropped)
			l.doing, l.about = "Lagged", ""
			if err := l.lag.Lagged(ctx, dropped); err != nil {
				if errors.Is(err, ErrMailboxOverflow) {
					return err, true // declined: end as without Lagged
				}
				return crash(err)
			}
		case in := <-c.in:
			l.mailboxFirst = true
			c.client.releaseInbound(in.f.size)
			if in.f.event == eventLeave {
				// Free the topic's slot before the client learns it left,
				// so that a join it sends next is counted without it.
				c.client.removeChannel(c)
				c.client.enqueueInline(c.replyFrame(in.f.ref, ReplyOK(nil)))
				return ErrLeft, true
			}
			ev := Message{Name: in.f.event, Ref: in.f.ref, Payload: in.f.payload, Binary: in.f.binary}
			l.doing, l.about = "HandleIn", ev.Name
			r, err := c.handleIn(ctx, l.ch, ev, l.pattern)
			if err != nil {
				return crash(err)
			}
			if r.status != "" && in.f.ref != "" {
				c.busy.Store(true)
				err := c.Reply(in.f.ref, r)
				c.flush()
				if err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrSlowClient) {
					l.doing = "the reply of HandleIn"
					return crash(err)
				}
			}
		default:
			// The mailbox is read without its channel (TryReceive), so
			// that it holds no buffer while empty.
			m, ok := c.mailbox.TryReceive()
			if !ok {
				return nil, false // nothing left: the goroutine may go
			}
			if err := c.handleMessage(l, m); err != nil {
				return crash(err)
			}
		}
	handled:
		l.handled++
		if l.dr != nil && (l.handled >= maxBurst || len(c.in) == 0 && c.mailbox.Len() == 0) {
			l.handled = 0
			l.doing, l.about = "Drained", ""
			c.busy.Store(true)
			err := l.dr.Drained(ctx)
			c.flush()
			if err != nil {
				return crash(err)
			}
		}
	}
}

// handleMessage handles one message from the mailbox: a broadcast on the
// channel's topic goes to the client (or to HandleOut), anything else to
// HandleInfo. It returns what a callback failed with.
func (c *Conn) handleMessage(l *loopState, m pubsub.Message) error {
	if b, ok := m.Payload.(*Broadcast); ok && m.Topic == c.topic {
		if l.intercepts[b.Event] {
			l.doing, l.about = "HandleOut", b.Event
			return l.out.HandleOut(l.ctx, b)
		}
		f, err := b.encoded()
		if err != nil {
			c.logger.Error("broadcast not sent", "event", b.Event, "err", err)
			return nil
		}
		c.client.enqueueInline(f)
		return nil
	}
	if l.info != nil {
		l.doing, l.about = "HandleInfo", m.Topic
		return l.info.HandleInfo(l.ctx, m)
	}
	return nil
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
