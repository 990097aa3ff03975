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

// enqueue hands frames to the writer, in order and all or none, without
// blocking. Frames that would take the queue over its byte bound mean the
// client does not keep up: it is disconnected at once, and what was
// queued is dropped.
func (c *client) enqueue(fs ...outFrame) error {
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
	select {
	case c.outWake <- struct{}{}:
	default: // the writer has a token already
	}
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

// writeLoop writes queued frames, and closes the connection when asked to
// by close or by a disconnect broadcast on the socket ID.
//
// A client is too slow when its queue has not been empty for
// limits.slowTimeout: every write's deadline is the earlier of the write
// timeout and the end of that allowance, so a client that stops reading
// is found out while the writer waits on it, and one that reads but
// never catches up at the next frame.
func (c *client) writeLoop(idMailbox *pubsub.Mailbox, readerDone <-chan struct{}) {
	var idC <-chan pubsub.Message
	var idOverflow <-chan struct{}
	if idMailbox != nil {
		idC, idOverflow = idMailbox.C(), idMailbox.Overflow()
	}
	lim := c.sock.limits
	var spare []outFrame
	// backlogSince is when the queue last stopped being empty; zero while
	// everything queued has been written.
	var backlogSince time.Time
	for {
		select {
		case <-c.done:
			c.finish(readerDone, nil)
			return
		default:
		}
		select {
		case <-c.outWake:
			c.outMu.Lock()
			batch := c.outQ
			c.outQ = spare
			c.outMu.Unlock()
			if len(batch) > 0 && backlogSince.IsZero() {
				backlogSince = time.Now()
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
						c.finish(readerDone, batch[i:])
						return
					default:
					}
				}
				if !c.write(f, backlogSince.Add(lim.slowTimeout)) {
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
					backlogSince = time.Time{}
				}
				batch[i] = outFrame{} // the frame's bytes are garbage now
			}
			spare = nil
			if cap(batch) <= spareQueue {
				spare = batch[:0]
			}
		case m := <-idC:
			if b, ok := m.Payload.(*Broadcast); ok && b.Event == eventDisconnect {
				c.close(closeNormal, "disconnected", ErrDisconnected)
			}
		case <-idOverflow:
			// Something floods the socket ID's topic; a disconnect may have
			// been dropped with it, so err on the side of disconnecting.
			idMailbox.Resume()
			c.close(closeNormal, "disconnected", ErrDisconnected)
		case <-c.done:
			c.finish(readerDone, nil)
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
	err := c.conn.writeMessage(typ, f.data, deadline)
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

// finish writes what was queued before the close (rest, the rest of the
// writer's batch, then the queue), sends the close frame, gives the client
// a moment to answer it so the reader sees a clean close, then drops the
// TCP connection.
func (c *client) finish(readerDone <-chan struct{}, rest []outFrame) {
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
	case <-readerDone:
	case <-t.C:
	}
	c.conn.close()
}
