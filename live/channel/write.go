package channel

import (
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/pubsub"
)

// enqueue hands a frame to the writer without blocking. A full queue means
// the client does not keep up: it is disconnected.
func (c *client) enqueue(f outFrame) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	c.outMu.Lock()
	if n := len(c.outQ); n >= c.sock.limits.outboundQueue {
		c.outMu.Unlock()
		c.logger.Warn("closing a slow client", "queued", n)
		c.close(closePolicy, "client too slow", ErrSlowClient)
		return ErrSlowClient
	}
	c.outQ = append(c.outQ, f)
	c.outMu.Unlock()
	select {
	case c.outWake <- struct{}{}:
	default: // the writer has a token already
	}
	return nil
}

// spareQueue is the largest outbound slice the writer keeps for reuse
// after a burst; a larger one goes back to the garbage collector, so an
// idle connection does not keep the memory of its biggest burst.
const spareQueue = 8

// writeLoop writes queued frames, and closes the connection when asked to
// by close or by a disconnect broadcast on the socket ID.
func (c *client) writeLoop(idMailbox *pubsub.Mailbox, readerDone <-chan struct{}) {
	var idC <-chan pubsub.Message
	var idOverflow <-chan struct{}
	if idMailbox != nil {
		idC, idOverflow = idMailbox.C(), idMailbox.Overflow()
	}
	wt := c.sock.limits.writeTimeout
	var spare []outFrame
	for {
		select {
		case <-c.done:
			c.finish(readerDone)
			return
		default:
		}
		select {
		case <-c.outWake:
			c.outMu.Lock()
			batch := c.outQ
			c.outQ = spare
			c.outMu.Unlock()
			for i, f := range batch {
				// Closing takes priority over the frames still queued, but
				// the first frame of a batch is written, like a frame taken
				// from a channel before the close began.
				if i > 0 {
					select {
					case <-c.done:
						c.finish(readerDone)
						return
					default:
					}
				}
				typ := websocket.TextMessage
				if f.binary {
					typ = websocket.BinaryMessage
				}
				err := c.ws.SetWriteDeadline(time.Now().Add(wt))
				if err == nil {
					err = c.ws.WriteMessage(typ, f.data)
				}
				if err != nil {
					c.close(closeNormal, "", fmt.Errorf("write: %w", err))
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
			c.finish(readerDone)
			return
		}
	}
}

// finish sends the close frame, gives the client a moment to answer it so
// the reader sees a clean close, then drops the TCP connection.
func (c *client) finish(readerDone <-chan struct{}) {
	// Frames queued before the close (the replies to what the client sent
	// before it went over a limit, say) go first, within one write
	// timeout; a client too slow to take them gets none.
	if !errors.Is(c.closeErr, ErrSlowClient) {
		c.outMu.Lock()
		queued := c.outQ
		c.outQ = nil
		c.outMu.Unlock()
		if len(queued) > 0 && c.ws.SetWriteDeadline(time.Now().Add(c.sock.limits.writeTimeout)) == nil {
			for _, f := range queued {
				typ := websocket.TextMessage
				if f.binary {
					typ = websocket.BinaryMessage
				}
				if c.ws.WriteMessage(typ, f.data) != nil {
					break
				}
			}
		}
	}
	msg := websocket.FormatCloseMessage(c.closeCode, c.closeText)
	// The error is ErrCloseSent when gorilla or the client closed first.
	_ = c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.sock.limits.writeTimeout))
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-readerDone:
	case <-t.C:
	}
	c.ws.Close()
}
