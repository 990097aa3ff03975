package channel

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/pubsub"
)

// queueSlotBytes is what a frame costs in the outbound queue besides its
// bytes: its outFrame slot, with room for the slice's growth. Counting it
// keeps a flood of tiny frames within [Limits.OutboundBytes] too.
const queueSlotBytes = 64

// frameCost is what f counts against [Limits.OutboundBytes].
func frameCost(f outFrame) int { return len(f.data) + queueSlotBytes }

// enqueue queues frames for the client, in order and all or none, and
// makes sure a writer takes them: it never blocks, and never writes
// itself. Frames that would take the queue over its byte bound mean the
// client does not keep up: it is disconnected at once, and what was
// queued is dropped.
func (c *client) enqueue(fs ...outFrame) error {
	if err := c.queue(fs); err != nil {
		return err
	}
	c.startWriter(false)
	return nil
}

// enqueueInline is enqueue for a channel's goroutine sending a frame of
// its own: it writes what is queued itself, unless a writer is at it.
func (c *client) enqueueInline(fs ...outFrame) error {
	if err := c.queue(fs); err != nil {
		return err
	}
	c.startWriter(true)
	return nil
}

// enqueueFor is enqueue for a frame pushed on owner's behalf. While the
// owner's goroutine is in Drained (Conn.busy), where a live view renders
// and answers, no writer is started: the goroutine writes what is queued
// itself when Drained returns (Conn.flush), which spares a hand-off to
// another goroutine on every reply and patch.
func (c *client) enqueueFor(owner *Conn, f outFrame) error {
	if err := c.queue([]outFrame{f}); err != nil {
		return err
	}
	// f is queued before busy is read, and flush reads the queue after
	// it clears busy: if busy was still set here, that flush sees f.
	if !owner.busy.Load() {
		c.startWriter(false)
	}
	return nil
}

// queue adds fs to the outbound queue, or closes a client that does not
// keep up.
func (c *client) queue(fs []outFrame) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	cost := 0
	for _, f := range fs {
		cost += frameCost(f)
	}
	c.outMu.Lock()
	if c.outClosed {
		c.outMu.Unlock()
		return ErrClosed
	}
	if c.outBytes > 0 && c.outBytes+cost > c.sock.limits.outboundBytes {
		queued := c.outBytes
		c.outQ = nil // the writer's batch is released by closeSlow
		c.outMu.Unlock()
		c.closeSlow(fmt.Errorf("%w: %d bytes queued, %d more refused (limit %d)", ErrSlowClient, queued, cost, c.sock.limits.outboundBytes))
		return ErrSlowClient
	}
	c.outQ = append(c.outQ, fs...)
	c.outBytes += cost
	c.sock.outBytes.Add(int64(cost))
	c.outMu.Unlock()
	return nil
}

// closeSlow closes the connection of a client too slow to take what it is
// sent, and aborts the write in progress, so that the frames the writer
// holds are released now rather than when the write times out. Only the
// call that starts the close logs it.
func (c *client) closeSlow(reason error) {
	if c.close(closePolicy, "client too slow", reason) {
		c.logger.Warn("closing a slow client", "err", reason)
	}
	c.conn.abortWrite()
}

// spareQueue is the largest outbound slice the writer keeps for reuse
// after a burst; a larger one goes back to the garbage collector, so an
// idle connection does not keep the memory of its biggest burst.
const spareQueue = 8

// The writer is a role, not a goroutine: whoever finds frames queued and
// no writer takes it (under outMu, c.writing), writes until the queue is
// empty and gives it back. A channel's goroutine takes it inline for its
// own frames — the replies and broadcasts its loop sends, what it pushes
// in Drained (Conn.flush) — so a reply or a broadcast's patch is written
// by the goroutine that rendered it, without waking another. It writes
// the batch it finds, which holds its frames, and no more: what is queued
// meanwhile, by other channels of the connection say, goes to a
// short-lived goroutine, or a busy neighbour would keep the channel from
// its own events for as long as the client takes to read. Frames queued
// from anywhere else, or from a callback that may run for long, start
// such a goroutine too. An idle connection has no writer goroutine.
//
// Closing goes through the role too: close starts finish if no one
// writes, and a writer that sees the connection closing hands its role to
// finish instead of giving it back, so that finish is the last writer and
// runs once.

// maxInlineBytes is the most a channel's goroutine writes itself (see
// startWriter): replies and patches are a few hundred bytes, a join's
// HTML a few kilobytes.
const maxInlineBytes = 16 << 10

// startWriter takes the writer's role if frames wait and no one holds it,
// and writes them: here when inline, otherwise on a goroutine of its own.
func (c *client) startWriter(inline bool) {
	c.outMu.Lock()
	if c.writing || len(c.outQ) == 0 {
		c.outMu.Unlock()
		return
	}
	c.writing = true
	// A write waits only when the kernel's send buffer is full. What fits
	// in it many times over is written inline; more goes to a goroutine,
	// so that a client that reads slowly, or a connection that died with
	// data in flight, keeps the channel's goroutine as little as possible.
	inline = inline && c.outBytes <= maxInlineBytes
	c.outMu.Unlock()
	if inline {
		c.writeQueued(true)
	} else {
		go c.writeQueued(false)
	}
}

// writeQueued writes what is queued, batch after batch, until the queue
// is empty or the connection closes; the caller holds the writer's role,
// which it gives back or hands to finish. Inline, on a channel's
// goroutine, it writes one batch, and hands the role to a goroutine of
// its own if more was queued meanwhile.
//
// A client is too slow when its queue has not been empty for
// limits.slowTimeout: every write's deadline is the earlier of the write
// timeout and the end of that allowance, so a client that stops reading
// is found out while the writer waits on it, and one that reads but
// never catches up at the next frame.
func (c *client) writeQueued(inline bool) {
	lim := c.sock.limits
	for batches := 0; ; batches++ {
		select {
		case <-c.done:
			go c.finish(nil)
			return
		default:
		}
		c.outMu.Lock()
		batch := c.outQ
		if len(batch) == 0 {
			// Giving the role back and close's check of it are both under
			// outMu: a close that found the role held is finished here.
			select {
			case <-c.done:
				c.outMu.Unlock()
				go c.finish(nil)
				return
			default:
			}
			c.writing = false
			c.backlogSince = time.Time{}
			c.outMu.Unlock()
			return
		}
		if inline && batches > 0 {
			// The role, and the backlog's age with it, passes on.
			c.outMu.Unlock()
			go c.writeQueued(false)
			return
		}
		c.outQ = c.spare
		c.spare = nil
		c.outMu.Unlock()
		if c.backlogSince.IsZero() {
			c.backlogSince = time.Now()
		}
		for i, f := range batch {
			// Closing takes priority over the frames still queued, but
			// the first frame of a batch is written, like a frame taken
			// from a channel before the close began.
			if i > 0 {
				select {
				case <-c.done:
					// The rest of the batch was queued before what
					// finish takes from the queue: it goes first.
					go c.finish(batch[i:])
					return
				default:
				}
			}
			if !c.write(f, c.backlogSince.Add(lim.slowTimeout)) {
				// The connection is closing: the next frame's check, or
				// the loop's, finishes it.
				batch[i] = outFrame{}
				continue
			}
			c.outMu.Lock()
			c.outBytes -= frameCost(f)
			c.sock.outBytes.Add(-int64(frameCost(f)))
			caughtUp := c.outBytes == 0
			c.outMu.Unlock()
			if caughtUp {
				c.backlogSince = time.Time{}
			}
			batch[i] = outFrame{} // the frame's bytes are garbage now
		}
		if cap(batch) <= spareQueue {
			c.spare = batch[:0]
		}
	}
}

// watchID closes the connection when a disconnect is broadcast on its
// socket ID, until the connection closes.
func (c *client) watchID(idMailbox *pubsub.Mailbox) {
	for {
		select {
		case m := <-idMailbox.C():
			if b, ok := m.Payload.(*Broadcast); ok && b.Event == eventDisconnect {
				c.close(closeNormal, "disconnected", ErrDisconnected)
			}
		case <-idMailbox.Overflow():
			// Something floods the socket ID's topic; a disconnect may have
			// been dropped with it, so err on the side of disconnecting.
			idMailbox.Resume()
			c.close(closeNormal, "disconnected", ErrDisconnected)
		case <-c.done:
			return
		}
	}
}

// write writes one frame within the write timeout, and no later than
// slowAt. It reports whether the frame was written; if not, it has closed
// the connection, as too slow when slowAt has passed.
func (c *client) write(f outFrame, slowAt time.Time) bool {
	now := time.Now()
	deadline := now.Add(c.sock.limits.writeTimeout)
	if slowAt.Before(deadline) {
		deadline = slowAt
	}
	typ := websocket.TextMessage
	if f.binary {
		typ = websocket.BinaryMessage
	}
	c.writeStart.Store(now.UnixNano())
	err := c.conn.writeMessage(typ, f.data, deadline)
	c.writeStart.Store(0)
	if err == nil {
		return true
	}
	if !time.Now().Before(slowAt) {
		c.closeSlow(fmt.Errorf("%w: queue not drained for %s", ErrSlowClient, c.sock.limits.slowTimeout))
		return false
	}
	c.close(closeNormal, "", fmt.Errorf("write: %w", err))
	return false
}

// stuckAfter is how long a write waits before stuckWriting calls it stuck:
// far longer than a write takes when the kernel has room for it.
const stuckAfter = 50 * time.Millisecond

// stuckWriting reports whether a write has been waiting on the client
// for stuckAfter or more at now.
func (c *client) stuckWriting(now time.Time) bool {
	start := c.writeStart.Load()
	return start != 0 && now.UnixNano()-start >= int64(stuckAfter)
}

// finish writes what was queued before the close (rest, the rest of the
// writer's batch, then the queue), sends the close frame, gives the client
// a moment to answer it so the reader sees a clean close, then drops the
// TCP connection.
func (c *client) finish(rest []outFrame) {
	defer close(c.finished)
	c.outMu.Lock()
	queued := c.outQ
	c.outQ = nil
	c.outMu.Unlock()
	// Frames queued before the close (the replies to what the client sent
	// before it went over a limit, say) go first, within one write
	// timeout; a client too slow to take them gets none, and only a short
	// while to take the close frame.
	closeTimeout := c.sock.limits.writeTimeout
	if errors.Is(c.closeErr, ErrSlowClient) {
		rest, queued = nil, nil
		closeTimeout = min(closeTimeout, closeGrace)
	}
	deadline := time.Now().Add(c.sock.limits.writeTimeout)
	for _, f := range append(rest, queued...) {
		typ := websocket.TextMessage
		if f.binary {
			typ = websocket.BinaryMessage
		}
		if c.conn.writeMessage(typ, f.data, deadline) != nil {
			break
		}
	}
	c.conn.writeClose(c.closeCode, c.closeText, time.Now().Add(closeTimeout))
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-c.readerDone:
	case <-t.C:
	}
	c.conn.close()
}
