package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/pubsub"
)

// readLoop reads and dispatches frames until the connection fails or
// closes.
func (c *client) readLoop(ctx context.Context) {
	lim := c.sock.limits
	rate := newRateLimit(lim.eventRate)
	// Control frames, a WebSocket's pings and pongs, count as frames.
	overLimit := false
	if cl, ok := c.conn.(controlLimiter); ok {
		cl.limitControl(func() bool {
			if overLimit {
				return false // closing: not answered
			}
			if rate.allow(time.Now()) {
				return true
			}
			overLimit = true
			c.closeOverRateLimit()
			return false
		})
	}
	for {
		typ, data, err := c.conn.readMessage(time.Now().Add(lim.idleTimeout))
		if err != nil {
			c.readFailed(err)
			return
		}
		if overLimit {
			c.drainUntilClosed()
			return
		}
		cost := 1.0
		if typ == websocket.BinaryMessage {
			cost = binaryFrameCost
		}
		if !rate.allowCost(time.Now(), cost) {
			c.closeOverRateLimit()
			c.drainUntilClosed()
			return
		}
		var f frame
		if typ == websocket.BinaryMessage {
			f, err = decodeBinary(data)
		} else {
			f, err = decodeText(data)
		}
		if err != nil {
			c.logger.Debug("malformed frame", "err", err)
			c.close(closeInvalidData, err.Error(), err)
			c.drainUntilClosed()
			return
		}
		f.size = len(data)
		if !c.dispatch(ctx, f) {
			return
		}
	}
}

// closeOverRateLimit closes the connection of a client over
// limits.eventRate, and logs it unless the connection was closing
// already.
func (c *client) closeOverRateLimit() {
	if c.close(closePolicy, "too many events", ErrRateLimited) {
		c.logger.Warn("closing a client over the event rate limit", "per_second", c.sock.limits.eventRate)
	}
}

// drainUntilClosed discards what the client still sends after the server
// decided to close, until the client answers the close frame or closeGrace
// passes. Dropping the TCP connection with unread data would reset it, and
// the client could lose the close frame that says why.
func (c *client) drainUntilClosed() {
	c.conn.discard(time.Now().Add(closeGrace))
}

// readFailed closes the connection after a read error, choosing the close
// code from its cause.
func (c *client) readFailed(err error) {
	var ne net.Error
	var ce *websocket.CloseError
	switch {
	case errors.As(err, &ce):
		c.close(closeNormal, "", fmt.Errorf("client closed: %w", err))
	case errors.Is(err, websocket.ErrReadLimit):
		// gorilla has already sent 1009 (message too big).
		c.close(websocket.CloseMessageTooBig, "frame too large", err)
	case errors.As(err, &ne) && ne.Timeout():
		select {
		case <-c.done: // closing already
		default:
			c.close(closeNormal, "idle timeout", fmt.Errorf("idle for %s: %w", c.sock.limits.idleTimeout, err))
		}
	default:
		c.close(closeNormal, "", err)
	}
}

// dispatch routes one frame; false ends the reader.
func (c *client) dispatch(ctx context.Context, f frame) bool {
	if f.topic == topicPhoenix && f.event == eventHeartbeat {
		c.replyTo(f, "", ReplyOK(nil))
		return true
	}
	if f.event == eventJoin {
		return c.join(ctx, f)
	}
	c.mu.Lock()
	cc := c.channels[f.topic]
	c.mu.Unlock()
	if cc == nil {
		if f.event == eventLeave {
			c.replyTo(f, f.joinRef, ReplyOK(nil))
			return true
		}
		c.replyTo(f, "", ReplyReason("unmatched topic"))
		return true
	}
	if f.joinRef != "" && f.joinRef != cc.joinRef {
		c.logger.Debug("dropped a message with a stale join_ref", "topic", f.topic, "event", f.event, "join_ref", f.joinRef)
		return true
	}
	return c.queueInbound(cc, &f)
}

// queueInbound hands f to its channel's goroutine, waiting while the
// channel's queue is full or the connection's queued frames hold
// limits.inboundBytes: the client is slowed down through TCP rather than
// allowed to pin memory behind a busy channel. false ends the reader.
func (c *client) queueInbound(cc *Conn, f *frame) bool {
	limit := int64(c.sock.limits.inboundBytes)
	for {
		queued := c.inBytes.Load()
		if queued == 0 || queued+int64(f.size) <= limit {
			break
		}
		select {
		case <-c.inFreed:
		case <-cc.done: // the channel ended; like Phoenix, drop the message
			return true
		case <-c.done:
			return false
		}
	}
	c.inBytes.Add(int64(f.size))
	select {
	case cc.in <- inbound{f: f}:
		cc.wake()
		select {
		case <-cc.done:
			// The channel may have ended before it could see f, and after
			// it dropped what was queued: drop what is left, f included.
			cc.dropQueued()
		default:
		}
	case <-cc.done: // the channel ended; like Phoenix, drop the message
		c.releaseInbound(f.size)
	case <-c.done:
		c.releaseInbound(f.size)
		return false
	}
	return true
}

// releaseInbound accounts for a client frame of size bytes that left a
// channel's queue, and wakes the reader if it waits for room.
func (c *client) releaseInbound(size int) {
	c.inBytes.Add(-int64(size))
	select {
	case c.inFreed <- struct{}{}:
	default:
	}
}

// replyTo queues a reply to f sent by the socket itself rather than a
// channel.
func (c *client) replyTo(f frame, joinRef string, r Reply) {
	out, err := encodeReply(joinRef, f.ref, f.topic, r)
	if err == nil {
		c.enqueue(out)
	}
}

// join starts a channel for a phx_join; false ends the reader.
func (c *client) join(ctx context.Context, f frame) bool {
	newCh, ok := c.sock.route(f.topic)
	if !ok {
		c.logger.Debug("join of an unmatched topic", "topic", f.topic)
		c.replyTo(f, "", ReplyReason("unmatched topic"))
		return true
	}
	joinRef := f.joinRef
	if joinRef == "" {
		joinRef = f.ref
	}
	c.mu.Lock()
	old := c.channels[f.topic]
	n := len(c.channels)
	c.mu.Unlock()
	if old != nil {
		// A duplicate join closes the old channel (phx_close) and waits for
		// it to end before joining again, as Phoenix does.
		old.requestStop(errDuplicateJoin)
		select {
		case <-old.done:
		case <-c.done:
			return false
		}
	} else if n >= c.sock.limits.maxChannels {
		c.logger.Warn("join refused: too many channels", "topic", f.topic, "max", c.sock.limits.maxChannels)
		c.replyTo(f, joinRef, ReplyReason("too many channels joined"))
		return true
	}

	cc := &Conn{
		client:  c,
		topic:   f.topic,
		joinRef: joinRef,
		logger:  c.logger.With("topic", f.topic),
		mailbox: pubsub.NewMailbox(c.sock.limits.mailboxSize),
		in:      make(chan inbound, c.sock.limits.channelQueue),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		joining: true,
		subs:    map[string]*pubsub.Subscription{},
	}
	ch, err := construct(newCh, cc, c.state)
	if err != nil {
		cc.logCrash(nil, err)
		c.replyTo(f, joinRef, ReplyReason("join crashed"))
		return true
	}
	c.mu.Lock()
	c.channels[f.topic] = cc
	c.mu.Unlock()
	payload := f.payload
	if payload == nil {
		payload = json.RawMessage("{}")
	}
	// The channel counts in wg from its join to its end, with or without
	// a goroutine (exit says Done). It is marked running from the start
	// (the zero value of cc.sched): no wake starts another goroutine
	// until run lets go of it.
	c.wg.Add(1)
	go cc.run(ctx, ch, payload, f.ref)
	return true
}

// construct calls a channel constructor, turning a panic into an error.
func construct(newCh func(*Conn, any) Channel, cc *Conn, state any) (ch Channel, err *CrashError) {
	defer func() {
		if v := recover(); v != nil {
			err = panicked("the constructor", v)
		}
	}()
	ch = newCh(cc, state)
	if ch == nil {
		return nil, &CrashError{Op: "the constructor", Err: errors.New("it returned nil")}
	}
	return ch, nil
}
