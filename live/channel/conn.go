package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/pubsub"
)

// Close codes the server sends (RFC 6455 §7.4.1).
const (
	closeNormal       = websocket.CloseNormalClosure           // 1000: disconnected by the server, idle
	closeGoingAway    = websocket.CloseGoingAway               // 1001: Shutdown
	closeInvalidData  = websocket.CloseInvalidFramePayloadData // 1007: malformed frame
	closePolicy       = websocket.ClosePolicyViolation         // 1008: client too slow
	closeInternalErr  = websocket.CloseInternalServerErr       // 1011
	maxCloseTextBytes = 123
)

// conn is one upgraded WebSocket connection. Its reader runs on the
// goroutine of Socket.ServeHTTP, which also starts the writer and the
// channels' goroutines and waits for all of them. Everything sent to the
// client goes through outQ, drained by the writer alone.
type conn struct {
	sock   *socketCore
	ws     *websocket.Conn
	info   *ConnectInfo
	id     string
	state  any
	logger *slog.Logger

	// The outbound queue: a slice rather than a buffered channel, so that
	// an idle connection holds no buffer of limits.outboundQueue frames
	// (8 KB at the default), only what is waiting.
	outMu   sync.Mutex    // guards outQ
	outQ    []outFrame    // frames waiting for the writer, at most limits.outboundQueue
	outWake chan struct{} // capacity 1: a token tells the writer that outQ has frames

	closeOnce sync.Once
	done      chan struct{} // closed by close
	closeCode int           // set once, before done is closed
	closeText string
	closeErr  error

	mu       sync.Mutex // guards channels
	channels map[string]*Conn

	wg sync.WaitGroup // the writer and the channels' goroutines
}

func newConn(sc *socketCore, ws *websocket.Conn, info *ConnectInfo, id string, state any) *conn {
	logger := sc.logger.With("remote", info.RemoteAddr)
	if id != "" {
		logger = logger.With("socket_id", id)
	}
	return &conn{
		sock:     sc,
		ws:       ws,
		info:     info,
		id:       id,
		state:    state,
		logger:   logger,
		outWake:  make(chan struct{}, 1),
		done:     make(chan struct{}),
		channels: map[string]*Conn{},
	}
}

// close starts closing the connection with a close code, a short text for
// the client and the reason for the logs. The first call wins; it does
// not wait.
func (c *conn) close(code int, text string, reason error) {
	c.closeOnce.Do(func() {
		if len(text) > maxCloseTextBytes {
			text = text[:maxCloseTextBytes]
		}
		c.closeCode, c.closeText, c.closeErr = code, text, reason
		close(c.done)
	})
}

// serve runs the connection until it closes and every goroutine it
// started has returned.
func (c *conn) serve(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var idMailbox *pubsub.Mailbox
	if c.id != "" {
		idMailbox = pubsub.NewMailbox(4)
		sub, err := c.sock.ps.SubscribeMailbox(idMailbox, c.id)
		if err != nil {
			c.logger.Error("socket ID not subscribed", "err", err)
			c.close(closeInternalErr, "internal error", err)
		} else {
			defer sub.Close()
		}
	}

	readerDone := make(chan struct{})
	c.wg.Go(func() { c.writeLoop(idMailbox, readerDone) })
	c.readLoop(ctx)
	close(readerDone)
	cancel() // abort callbacks blocked on the connection's context

	c.mu.Lock()
	for _, cc := range c.channels {
		cc.requestStop(ErrClosed)
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.logger.Debug("socket closed", "code", c.closeCode, "reason", c.closeErr)
}

// readLoop reads and dispatches frames until the connection fails or
// closes.
func (c *conn) readLoop(ctx context.Context) {
	lim := c.sock.limits
	c.ws.SetReadLimit(lim.readLimit)
	rate := newRateLimit(lim.eventRate)
	for {
		if err := c.ws.SetReadDeadline(time.Now().Add(lim.idleTimeout)); err != nil {
			c.close(closeInternalErr, "internal error", err)
			return
		}
		typ, data, err := c.ws.ReadMessage()
		if err != nil {
			c.readFailed(err)
			return
		}
		if !rate.allow(time.Now()) {
			c.logger.Warn("closing a client over the event rate limit", "per_second", lim.eventRate)
			c.close(closePolicy, "too many events", ErrRateLimited)
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
		if !c.dispatch(ctx, f) {
			return
		}
	}
}

// drainUntilClosed discards what the client still sends after the server
// decided to close, until the client answers the close frame or closeGrace
// passes. Dropping the TCP connection with unread data would reset it, and
// the client could lose the close frame that says why.
func (c *conn) drainUntilClosed() {
	if c.ws.SetReadDeadline(time.Now().Add(closeGrace)) != nil {
		return
	}
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// readFailed closes the connection after a read error, choosing the close
// code from its cause.
func (c *conn) readFailed(err error) {
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
func (c *conn) dispatch(ctx context.Context, f frame) bool {
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
		c.replyTo(f, "", ReplyError(map[string]string{"reason": "unmatched topic"}))
		return true
	}
	if f.joinRef != "" && f.joinRef != cc.joinRef {
		c.logger.Debug("dropped a message with a stale join_ref", "topic", f.topic, "event", f.event, "join_ref", f.joinRef)
		return true
	}
	select {
	case cc.in <- inbound{f: &f}:
	case <-cc.done: // the channel ended; like Phoenix, drop the message
	case <-c.done:
		return false
	}
	return true
}

// replyTo queues a reply to f sent by the socket itself rather than a
// channel.
func (c *conn) replyTo(f frame, joinRef string, r Reply) {
	out, err := encodeReply(joinRef, f.ref, f.topic, r)
	if err == nil {
		c.enqueue(out)
	}
}

// join starts a channel for a phx_join; false ends the reader.
func (c *conn) join(ctx context.Context, f frame) bool {
	newCh, ok := c.sock.route(f.topic)
	if !ok {
		c.logger.Debug("join of an unmatched topic", "topic", f.topic)
		c.replyTo(f, "", ReplyError(map[string]string{"reason": "unmatched topic"}))
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
		c.replyTo(f, joinRef, ReplyError(map[string]string{"reason": "too many channels joined"}))
		return true
	}

	cc := &Conn{
		conn:    c,
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
		cc.logger.Error("channel constructor panicked", "err", err)
		c.replyTo(f, joinRef, ReplyError(map[string]string{"reason": "join crashed"}))
		return true
	}
	c.mu.Lock()
	c.channels[f.topic] = cc
	c.mu.Unlock()
	payload := f.payload
	if payload == nil {
		payload = json.RawMessage("{}")
	}
	c.wg.Go(func() { cc.run(ctx, ch, payload, f.ref) })
	return true
}

// construct calls a channel constructor, turning a panic into an error.
func construct(newCh func(*Conn, any) Channel, cc *Conn, state any) (ch Channel, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: constructor panic: %v", ErrChannelCrashed, v)
		}
	}()
	ch = newCh(cc, state)
	if ch == nil {
		return nil, fmt.Errorf("%w: constructor returned nil", ErrChannelCrashed)
	}
	return ch, nil
}

// removeChannel forgets cc if it is still the channel of its topic.
func (c *conn) removeChannel(cc *Conn) {
	c.mu.Lock()
	if c.channels[cc.topic] == cc {
		delete(c.channels, cc.topic)
	}
	c.mu.Unlock()
}

// enqueue hands a frame to the writer without blocking. A full queue means
// the client does not keep up: it is disconnected.
func (c *conn) enqueue(f outFrame) error {
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
func (c *conn) writeLoop(idMailbox *pubsub.Mailbox, readerDone <-chan struct{}) {
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
func (c *conn) finish(readerDone <-chan struct{}) {
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

// rateLimit is a token bucket refilled at perSecond tokens a second,
// holding up to twice that. The zero perSecond allows everything.
type rateLimit struct {
	perSecond float64
	tokens    float64
	last      time.Time
}

func newRateLimit(perSecond int) *rateLimit {
	return &rateLimit{perSecond: float64(perSecond), tokens: 2 * float64(perSecond)}
}

// allow takes a token if one is left at now.
func (r *rateLimit) allow(now time.Time) bool {
	if r.perSecond == 0 {
		return true
	}
	if !r.last.IsZero() {
		r.tokens = min(2*r.perSecond, r.tokens+r.perSecond*now.Sub(r.last).Seconds())
	}
	r.last = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}
