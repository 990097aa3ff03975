package channel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/templive/templive/pubsub"
)

// A Channel is one joined topic of one connection: the Go counterpart of a
// Phoenix channel. The constructor given to [Socket.Channel] creates a
// Channel for each join; its methods then run on that join's own
// goroutine, one at a time, so a Channel needs no locking for its fields.
//
// Optional capabilities are separate interfaces checked at run time:
// [InfoHandler] for PubSub messages, [Interceptor] to rewrite broadcasts
// per client, and [Terminator] to learn that the channel ended.
type Channel interface {
	// Join is called first, with the client's join payload. It returns the
	// response of the ok reply (nil for {}), or an error to refuse the join:
	// [Refuse] and [JoinError] choose the response of the error reply; any
	// other error is logged and the client sees {"reason":"join crashed"}.
	// Pushes made during Join reach the client after the join reply.
	Join(ctx context.Context, payload json.RawMessage) (response any, err error)
	// HandleIn handles an event pushed by the client. The returned [Reply]
	// is sent at once; return [NoReply] to send none now and reply later
	// with [Conn.Reply] and the event's Ref. A returned error crashes
	// the channel (see [ErrChannelCrashed]).
	HandleIn(ctx context.Context, ev Message) (Reply, error)
}

// An InfoHandler receives the PubSub messages delivered to its channel's
// mailbox, other than the broadcasts on the channel's own topic that go
// straight to the client: messages on topics added with
// [Conn.Subscribe], and non-[Broadcast] values on the channel's
// topic. msg.Payload is the Go value that was broadcast; type-switch on it.
// A returned error crashes the channel.
type InfoHandler interface {
	HandleInfo(ctx context.Context, msg pubsub.Message) error
}

// A Terminator is told when its channel ends, on the channel's goroutine,
// after which no other method is called. reason is [ErrLeft] when the
// client left (or joined the topic again), [ErrClosed] when the connection
// closed or the channel was closed by the server, and an error wrapping
// [ErrChannelCrashed] or [ErrMailboxOverflow] after a crash. Terminate is
// not called when Join refused or failed.
type Terminator interface {
	Terminate(reason error)
}

// An Interceptor sees the broadcasts of the events it names, on its
// channel's own topic, before they reach its client, and decides what to
// push instead (Phoenix's intercept and handle_out): call
// [Conn.Push] to pass one on, altered or not. Other broadcasts still
// go straight to the client. An intercepted broadcast costs an encoding per
// connection, so intercept only what must differ between clients.
type Interceptor interface {
	// Intercepts names the events to intercept. It is called once, after
	// Join.
	Intercepts() []string
	// HandleOut handles an intercepted broadcast. A returned error crashes
	// the channel.
	HandleOut(ctx context.Context, b *Broadcast) error
}

// A Drainer is a channel that batches work, such as the live view runtime,
// which renders once per burst of events: Drained is called on the
// channel's goroutine whenever it has just handled something (a client
// event, a PubSub message or a broadcast) and finds nothing else queued,
// neither client events nor PubSub messages. A burst is bounded: Drained
// is also called after every 64 things handled since its last call, even
// if more are queued, so that a sustained stream of messages cannot
// postpone it forever. It is not called after Join alone. A panic or a
// returned error crashes the channel.
type Drainer interface {
	Drained(ctx context.Context) error
}

// How the live view runtime (a Channel of package live, routed at "lv:*")
// uses this API:
//
//   - The join payload is Join's argument; the socket's connect state is
//     typed and handed to the constructor given to [Socket.Channel], next to
//     the [Conn]; connect info (origin, params, cookies) is
//     [Conn.ConnectInfo].
//   - Join replies with its returned response (the first render).
//   - Client events arrive in HandleIn with their Ref. Return [NoReply],
//     keep the ref, and after processing call [Conn.Reply] with it.
//   - [Conn.Push] sends a server push at any time, from any goroutine.
//   - Leave, close and crash are reported through [Terminator]; by then
//     Push and Reply return [ErrClosed].
//   - [Conn.Mailbox] is the channel's own *pubsub.Mailbox;
//     [Conn.Subscribe] adds topics to it and their messages arrive in
//     [InfoHandler.HandleInfo] on the channel's goroutine. An overflow crashes
//     the channel (the client rejoins and the view remounts).
//   - A panic, or an error returned by a callback, crashes the channel: the
//     client receives phx_error and rejoins; other channels are unaffected.
//   - Implement [Drainer] to render once per burst: Drained runs when the
//     goroutine's queue is momentarily empty, and at least every 64
//     things handled.
//   - [Conn.Close] ends the channel from the server (phx_close); events
//     and messages still queued are not handled.

// A Message is a message pushed by the client on a joined channel.
type Message struct {
	// Name is the event name, such as "new_msg".
	Name string
	// Ref identifies the push; pass it to [Conn.Reply] to reply later.
	Ref string
	// Payload is the JSON payload of a text frame; nil for a binary frame.
	Payload json.RawMessage
	// Binary is the payload of a binary frame; nil for a text frame.
	Binary []byte
}

// Decode decodes the event's JSON payload into v.
func (e Message) Decode(v any) error {
	if e.Binary != nil {
		return fmt.Errorf("live: event %q: binary payload is not JSON", e.Name)
	}
	if err := json.Unmarshal(e.Payload, v); err != nil {
		return fmt.Errorf("live: event %q: %w", e.Name, err)
	}
	return nil
}

// Reply statuses on the wire.
const (
	statusOK    = "ok"
	statusError = "error"
)

// A Reply answers a client push: phx_reply {"status": …, "response": …}.
// The zero value, [NoReply], sends nothing.
type Reply struct {
	status   string
	response any
}

// NoReply returned from [Channel.HandleIn] sends no reply now.
var NoReply = Reply{}

// ReplyOK returns an ok reply with response (nil for {}). A [Binary]
// response is sent as a binary reply frame.
func ReplyOK(response any) Reply { return Reply{status: statusOK, response: response} }

// ReplyError returns an error reply with response, typically
// map[string]string{"reason": "…"}.
func ReplyError(response any) Reply { return Reply{status: statusError, response: response} }

// A JoinError refuses a join: the client receives an error reply whose
// response is Response.
type JoinError struct {
	Response any
}

func (e *JoinError) Error() string { return "live: join refused" }

// Refuse returns a [JoinError] with response {"reason": reason}, as Phoenix
// channels refuse a join.
func Refuse(reason string) error {
	return &JoinError{Response: map[string]string{"reason": reason}}
}

// A Broadcast is an event for every client that joined a topic. Published
// through PubSub (by [Conn.Broadcast] or [Socket.Broadcast]), it is
// encoded once, lazily, and the same frame is written to every connection
// whose channel on that topic receives it (Phoenix's fastlane). It is
// registered with the PubSub as "channel.Broadcast" so it crosses nodes.
//
// Treat a Broadcast as immutable once published.
type Broadcast struct {
	Topic   string
	Event   string
	Payload json.RawMessage `json:",omitempty"`
	Binary  []byte          `json:",omitempty"`

	once  sync.Once
	frame outFrame
	err   error
}

// NewBroadcast encodes payload (JSON, or raw bytes for a [Binary]) into a
// Broadcast.
func NewBroadcast(topic, event string, payload any) (*Broadcast, error) {
	b := &Broadcast{Topic: topic, Event: event}
	if bin, ok := payload.(Binary); ok {
		b.Binary = bin
		return b, nil
	}
	raw, err := marshalPayload(payload)
	if err != nil {
		return nil, err
	}
	b.Payload = raw
	return b, nil
}

// encoded returns the broadcast's frame, encoding it on first use.
func (b *Broadcast) encoded() (outFrame, error) {
	b.once.Do(func() {
		if b.Binary != nil {
			data, err := encodeBinary(kindBroadcast, []string{b.Topic, b.Event}, b.Binary)
			b.frame, b.err = outFrame{data: data, binary: true}, err
			return
		}
		b.frame = outFrame{data: encodeText("", "", b.Topic, b.Event, b.Payload)}
	})
	return b.frame, b.err
}

// inbound is a client frame routed to a channel's goroutine. It holds a
// pointer so that a channel's queue costs 8 bytes a slot while idle, not
// the size of a frame: the queue's buffer is allocated whole when the
// channel joins, and most channels never fill it.
type inbound struct {
	f *frame
}

// A Conn is a channel's handle on its connection: the topic, the
// join ref, pushes, replies, broadcasts and PubSub subscriptions. It is
// given to the constructor registered with [Socket.Channel].
//
// All methods are safe for concurrent use, so other goroutines may push on
// a channel's behalf. After the channel ends, Push and Reply return
// [ErrClosed].
type Conn struct {
	conn    *conn
	topic   string
	joinRef string
	logger  *slog.Logger
	mailbox *pubsub.Mailbox

	in   chan inbound  // client frames, from the connection's reader
	stop chan struct{} // closed to end the channel; stopReason says why
	done chan struct{} // closed when the goroutine has returned

	mu         sync.Mutex // guards the fields below
	stopReason error
	joining    bool       // Join is running: pushes are held in pending
	pending    []outFrame // pushes made during Join
	ended      bool
	subs       map[string]*pubsub.Subscription // topic → subscription
}

// Topic returns the channel's topic, such as "room:lobby".
func (c *Conn) Topic() string { return c.topic }

// JoinRef returns the ref of the join that created the channel.
func (c *Conn) JoinRef() string { return c.joinRef }

// ConnectInfo returns what the client presented when it connected.
func (c *Conn) ConnectInfo() *ConnectInfo { return c.conn.info }

// SocketID returns the connection's socket ID ("" if it has none).
func (c *Conn) SocketID() string { return c.conn.id }

// Mailbox returns the channel's PubSub mailbox, read by its goroutine.
// Subscribe it with [pubsub.PubSub.SubscribeMailbox] (or
// [Conn.Subscribe]) and the messages arrive in
// [InfoHandler.HandleInfo]. The caller closes subscriptions it made itself.
func (c *Conn) Mailbox() *pubsub.Mailbox { return c.mailbox }

// PubSub returns the PubSub the socket uses.
func (c *Conn) PubSub() *pubsub.PubSub { return c.conn.sock.ps }

// Logger returns the socket's logger with the channel's topic attached.
func (c *Conn) Logger() *slog.Logger { return c.logger }

// Push sends event with payload to this client only
// ([join_ref, null, topic, event, payload]). It never blocks: a client too
// slow to drain its queue is disconnected ([ErrSlowClient]).
func (c *Conn) Push(event string, payload any) error {
	f, err := encodePush(c.joinRef, c.topic, event, payload)
	if err != nil {
		return fmt.Errorf("push %s on %s: %w", event, c.topic, err)
	}
	return c.send(f)
}

// Reply answers the client push whose Ref is ref. Use it to reply after
// [Channel.HandleIn] returned [NoReply]. A zero Reply sends ok with {}.
func (c *Conn) Reply(ref string, r Reply) error {
	f, err := encodeReply(c.joinRef, ref, c.topic, r)
	if err != nil {
		return fmt.Errorf("reply on %s: %w", c.topic, err)
	}
	return c.send(f)
}

// send queues f for the client, or holds it while Join runs.
func (c *Conn) send(f outFrame) error {
	c.mu.Lock()
	if c.ended {
		c.mu.Unlock()
		return ErrClosed
	}
	if c.joining {
		c.pending = append(c.pending, f)
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	return c.conn.enqueue(f)
}

// Broadcast sends event with payload to every client that joined the
// channel's topic, on every node, this one included.
func (c *Conn) Broadcast(ctx context.Context, event string, payload any) error {
	b, err := NewBroadcast(c.topic, event, payload)
	if err != nil {
		return err
	}
	return c.conn.sock.ps.Broadcast(ctx, c.topic, b)
}

// BroadcastFrom is like [Conn.Broadcast] but skips this channel's
// own client.
func (c *Conn) BroadcastFrom(ctx context.Context, event string, payload any) error {
	b, err := NewBroadcast(c.topic, event, payload)
	if err != nil {
		return err
	}
	return c.conn.sock.ps.BroadcastFrom(ctx, c.mailbox, c.topic, b)
}

// Subscribe subscribes the channel to topic: its messages arrive in
// [InfoHandler.HandleInfo]. Subscribing twice to a topic is harmless. The
// subscription ends with the channel.
func (c *Conn) Subscribe(topic string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ended {
		return ErrClosed
	}
	if _, ok := c.subs[topic]; ok {
		return nil
	}
	sub, err := c.conn.sock.ps.SubscribeMailbox(c.mailbox, topic)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", topic, err)
	}
	c.subs[topic] = sub
	return nil
}

// Unsubscribe ends a subscription made with [Conn.Subscribe].
// Messages already in the mailbox are still delivered.
func (c *Conn) Unsubscribe(topic string) error {
	c.mu.Lock()
	sub, ok := c.subs[topic]
	delete(c.subs, topic)
	c.mu.Unlock()
	if !ok {
		return nil
	}
	return sub.Close()
}

// Close ends the channel from the server side once the current callback
// returns: the client receives phx_close and does not rejoin, and
// [Terminator.Terminate] is called with [ErrClosed]. Client events and
// PubSub messages still queued are dropped, not handled. It does not wait.
func (c *Conn) Close() {
	c.requestStop(errServerClose)
}

// errServerClose is the internal stop reason of Conn.Close; the
// channel's Terminate sees ErrClosed.
var errServerClose = fmt.Errorf("%w by the server", ErrClosed)

// errDuplicateJoin is the internal stop reason of a channel replaced by a
// new join of its topic; Terminate sees ErrLeft.
var errDuplicateJoin = fmt.Errorf("%w: joined again", ErrLeft)

// requestStop asks the goroutine to end with reason; the first reason wins.
func (c *Conn) requestStop(reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopReason == nil {
		c.stopReason = reason
		close(c.stop)
	}
}

// run is the channel's goroutine: Join, then events, PubSub messages and
// stop requests one at a time until the channel ends.
func (c *Conn) run(ctx context.Context, ch Channel, payload json.RawMessage, joinMsgRef string) {
	defer close(c.done)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	resp, err := c.join(ctx, ch, payload)
	if err == nil {
		err = c.Subscribe(c.topic)
	}
	if err != nil {
		c.endSubscriptions()
		c.conn.removeChannel(c)
		c.markEnded()
		var je *JoinError
		r := ReplyError(map[string]string{"reason": "join crashed"})
		switch {
		case errors.As(err, &je):
			r = ReplyError(je.Response)
		case !errors.Is(err, ErrChannelCrashed): // a panic is logged already
			c.logger.Error("channel join failed", "err", err)
		}
		c.sendFinal(c.replyFrame(joinMsgRef, r))
		return
	}
	c.mu.Lock()
	c.joining = false
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	// The reply goes first, then what Join pushed, so the client is joined
	// before it sees them.
	c.conn.enqueue(c.replyFrame(joinMsgRef, ReplyOK(resp)))
	for _, f := range pending {
		c.conn.enqueue(f)
	}

	reason := c.loop(ctx, ch)
	c.terminate(ch, reason)
}

// join runs ch.Join, turning a panic into an error.
func (c *Conn) join(ctx context.Context, ch Channel, payload json.RawMessage) (resp any, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = c.crashed(v)
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
// returns the reason.
func (c *Conn) loop(ctx context.Context, ch Channel) (reason error) {
	defer func() {
		if v := recover(); v != nil {
			reason = c.crashed(v)
		}
	}()
	info, _ := ch.(InfoHandler)
	dr, _ := ch.(Drainer)
	out, _ := ch.(Interceptor)
	var intercepts map[string]bool
	if out != nil {
		intercepts = map[string]bool{}
		for _, ev := range out.Intercepts() {
			intercepts[ev] = true
		}
	}
	handled := 0 // since the last Drained
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
			return fmt.Errorf("%w (%d dropped)", ErrMailboxOverflow, c.mailbox.Dropped())
		case in := <-c.in:
			if in.f.event == eventLeave {
				// Free the topic's slot before the client learns it left,
				// so that a join it sends next is counted without it.
				c.conn.removeChannel(c)
				c.conn.enqueue(c.replyFrame(in.f.ref, ReplyOK(nil)))
				return ErrLeft
			}
			ev := Message{Name: in.f.event, Ref: in.f.ref, Payload: in.f.payload, Binary: in.f.binary}
			r, err := ch.HandleIn(ctx, ev)
			if err != nil {
				err = fmt.Errorf("%w: handle %q: %w", ErrChannelCrashed, ev.Name, err)
				c.logger.Error("channel crashed", "err", err)
				return err
			}
			if r.status != "" && in.f.ref != "" {
				if err := c.Reply(in.f.ref, r); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrSlowClient) {
					err = fmt.Errorf("%w: reply to %q: %w", ErrChannelCrashed, ev.Name, err)
					c.logger.Error("channel crashed", "err", err)
					return err
				}
			}
		case m := <-c.mailbox.C():
			if b, ok := m.Payload.(*Broadcast); ok && m.Topic == c.topic {
				if intercepts[b.Event] {
					if err := out.HandleOut(ctx, b); err != nil {
						err = fmt.Errorf("%w: handle out %q: %w", ErrChannelCrashed, b.Event, err)
						c.logger.Error("channel crashed", "err", err)
						return err
					}
					break
				}
				f, err := b.encoded()
				if err != nil {
					c.logger.Error("broadcast not sent", "event", b.Event, "err", err)
					break
				}
				c.conn.enqueue(f)
				break
			}
			if info != nil {
				if err := info.HandleInfo(ctx, m); err != nil {
					err = fmt.Errorf("%w: handle info on %s: %w", ErrChannelCrashed, m.Topic, err)
					c.logger.Error("channel crashed", "err", err)
					return err
				}
			}
		}
		handled++
		if dr != nil && (handled >= maxBurst || len(c.in) == 0 && c.mailbox.Len() == 0) {
			handled = 0
			if err := dr.Drained(ctx); err != nil {
				err = fmt.Errorf("%w: %w", ErrChannelCrashed, err)
				c.logger.Error("channel crashed", "err", err)
				return err
			}
		}
	}
}

// stopped returns the reason the channel was asked to stop.
func (c *Conn) stopped() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopReason
}

// crashed turns a recovered panic into an error, logging it with the stack.
func (c *Conn) crashed(v any) error {
	err := fmt.Errorf("%w: panic: %v", ErrChannelCrashed, v)
	c.logger.Error("channel crashed", "err", err, "stack", string(debug.Stack()))
	return err
}

// terminate tells the client and the Channel that the channel ended, and
// releases its subscriptions.
func (c *Conn) terminate(ch Channel, reason error) {
	c.endSubscriptions()
	c.conn.removeChannel(c)
	// From here on Push and Reply fail, so nothing follows the final frame.
	c.markEnded()

	switch {
	case errors.Is(reason, ErrChannelCrashed), errors.Is(reason, ErrMailboxOverflow):
		if errors.Is(reason, ErrMailboxOverflow) {
			c.logger.Warn("channel crashed", "err", reason)
		}
		f := encodeText(c.joinRef, c.joinRef, c.topic, eventError, json.RawMessage(`{"reason":"channel_crash"}`))
		c.sendFinal(outFrame{data: f})
	case reason == errServerClose || reason == errDuplicateJoin:
		c.sendFinal(outFrame{data: encodeText(c.joinRef, c.joinRef, c.topic, eventClose, nil)})
	}

	t, ok := ch.(Terminator)
	if !ok {
		return
	}
	switch {
	case reason == errServerClose:
		reason = ErrClosed
	case reason == errDuplicateJoin:
		reason = ErrLeft
	}
	defer func() {
		if v := recover(); v != nil {
			c.logger.Error("channel terminate panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
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
		f, _ = encodeReply(c.joinRef, ref, c.topic, ReplyError(map[string]string{"reason": "reply not encoded"}))
	}
	return f
}

// sendFinal queues a frame that ends the channel, bypassing the ended
// check.
func (c *Conn) sendFinal(f outFrame) {
	c.conn.enqueue(f)
}

func (c *Conn) markEnded() {
	c.mu.Lock()
	c.ended = true
	c.pending = nil
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
