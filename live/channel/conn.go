package channel

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/templive/templive/pubsub"
)

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
	client  *client
	topic   string
	joinRef string
	logger  *slog.Logger
	mailbox *pubsub.Mailbox

	// busy is set while the channel's goroutine runs Drained (or sends a
	// reply of its loop): what is pushed meanwhile is written by that
	// goroutine when it is done (flush), not by a writer started for it.
	busy atomic.Bool

	sched atomic.Int32 // schedRunning, schedWoken or schedIdle (run.go)
	loop  *loopState   // set once joined; used by the running goroutine only

	in   chan inbound  // client frames, from the connection's reader
	stop chan struct{} // closed to end the channel; stopReason says why
	done chan struct{} // closed when the goroutine has returned

	mu         sync.Mutex // guards the fields below
	stopReason error
	joining    bool       // Join is running: pushes are held in pending
	pending    []outFrame // pushes made during Join
	pendingLen int        // their cost (frameCost), bounded like the outbound queue
	ended      bool
	subs       map[string]*pubsub.Subscription // topic → subscription
}

// Topic returns the channel's topic, such as "room:lobby".
func (c *Conn) Topic() string { return c.topic }

// JoinRef returns the ref of the join that created the channel.
func (c *Conn) JoinRef() string { return c.joinRef }

// ConnectInfo returns what the client presented when it connected.
func (c *Conn) ConnectInfo() *ConnectInfo { return c.client.info }

// SocketID returns the connection's socket ID ("" if it has none).
func (c *Conn) SocketID() string { return c.client.id }

// Mailbox returns the channel's PubSub mailbox, read by its goroutine.
// Subscribe it with [pubsub.PubSub.SubscribeMailbox] (or
// [Conn.Subscribe]) and the messages arrive in
// [InfoHandler.HandleInfo]. The caller closes subscriptions it made itself.
func (c *Conn) Mailbox() *pubsub.Mailbox { return c.mailbox }

// PubSub returns the PubSub the socket uses.
func (c *Conn) PubSub() *pubsub.PubSub { return c.client.sock.ps }

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
		cost := frameCost(f)
		if c.pendingLen > 0 && c.pendingLen+cost > c.client.sock.limits.outboundBytes {
			held := c.pendingLen
			c.mu.Unlock()
			c.client.closeSlow(fmt.Errorf("%w: Join pushed %d bytes, %d more refused (limit %d)", ErrSlowClient, held, cost, c.client.sock.limits.outboundBytes))
			return ErrSlowClient
		}
		c.pending = append(c.pending, f)
		c.pendingLen += cost
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	return c.client.enqueueFor(c, f)
}

// flush ends a spell of busy: from now on a push starts a writer, and
// what was pushed meanwhile is written here and now, unless a writer is
// at it already.
func (c *Conn) flush() {
	c.busy.Store(false)
	c.client.startWriter(true)
}

// Broadcast sends event with payload to every client that joined the
// channel's topic, on every node, this one included.
func (c *Conn) Broadcast(ctx context.Context, event string, payload any) error {
	b, err := NewBroadcast(c.topic, event, payload)
	if err != nil {
		return err
	}
	return c.client.sock.ps.Broadcast(ctx, c.topic, b)
}

// BroadcastFrom is like [Conn.Broadcast] but skips this channel's
// own client.
func (c *Conn) BroadcastFrom(ctx context.Context, event string, payload any) error {
	b, err := NewBroadcast(c.topic, event, payload)
	if err != nil {
		return err
	}
	return c.client.sock.ps.BroadcastFrom(ctx, c.mailbox, c.topic, b)
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
	sub, err := c.client.sock.ps.SubscribeMailbox(c.mailbox, topic)
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
		c.wake()
	}
}
