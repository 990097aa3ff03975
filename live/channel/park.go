package channel

import (
	"fmt"
	"sync"
	"time"

	"github.com/templive/templive/pubsub"
)

// A Parker is a Channel that may outlive its connection, so that its
// client can take it up again on a new one (a live view resumed after a
// network blip).
//
// When a channel's connection is lost — the client went away, the
// network failed, the connection idled out or was too slow; not a leave,
// a crash, [Conn.Close], [Socket.Disconnect] or [Socket.Shutdown] — its
// goroutine calls Park instead of [Terminator.Terminate]. A Parker that
// returns true takes p, the channel's PubSub mailbox and subscriptions,
// which keep receiving; it then owns them and must, in the end, either
// close p or hand it to a channel that takes over with [Conn.Adopt].
// Returning false ends the channel as usual: its subscriptions close and
// Terminate is called with [ErrClosed].
//
// Park runs on the channel's goroutine, which returns right after it; the
// Conn is ended by then (Push and Reply return [ErrClosed]).
type Parker interface {
	Park(p *Parked) bool
}

// Parked holds the PubSub mailbox and subscriptions of a channel parked
// by its [Parker]. Its methods are safe for concurrent use; Close is
// idempotent.
type Parked struct {
	ps      *pubsub.PubSub
	mailbox *pubsub.Mailbox

	mu   sync.Mutex // guards subs, done
	subs map[string]*pubsub.Subscription
	done bool // closed, or adopted
}

// Mailbox returns the mailbox the parked channel's subscriptions deliver
// to; whoever owns p reads it.
func (p *Parked) Mailbox() *pubsub.Mailbox { return p.mailbox }

// Subscribe adds a subscription to topic, as [Conn.Subscribe] does for a
// channel that is running.
func (p *Parked) Subscribe(topic string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return ErrClosed
	}
	if _, ok := p.subs[topic]; ok {
		return nil
	}
	sub, err := p.ps.SubscribeMailbox(p.mailbox, topic)
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", topic, err)
	}
	p.subs[topic] = sub
	return nil
}

// Unsubscribe ends the subscription to topic, if any.
func (p *Parked) Unsubscribe(topic string) error {
	p.mu.Lock()
	sub, ok := p.subs[topic]
	delete(p.subs, topic)
	p.mu.Unlock()
	if !ok {
		return nil
	}
	return sub.Close()
}

// Close ends every subscription of p, for a parked channel that will not
// be taken up again.
func (p *Parked) Close() {
	for _, s := range p.take() {
		s.Close()
	}
}

// take returns the subscriptions and marks p done, once.
func (p *Parked) take() map[string]*pubsub.Subscription {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return nil
	}
	subs := p.subs
	p.subs, p.done = nil, true
	return subs
}

// Adopt makes c the owner of p, the mailbox and subscriptions of a parked
// channel: c's goroutine reads that mailbox from now on, so what arrived
// while the channel was parked, and is still queued, is handled next.
// Call it from [Channel.Join], before c subscribes to anything. It
// returns [ErrClosed] if p was closed or adopted already.
func (c *Conn) Adopt(p *Parked) error {
	subs := p.take()
	if subs == nil {
		return ErrClosed
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.subs
	c.subs, c.mailbox = subs, p.mailbox
	// Deliveries wake this channel now (run sets it again after Join).
	p.mailbox.Notify(c.wake)
	for _, s := range old {
		s.Close()
	}
	return nil
}

// Park ends the channel as if its connection had been lost: a [Parker]
// parks, anything else terminates with [ErrClosed]. The connection is
// not closed, unless a write on it waits for long before the channel has
// ended: that write is aborted, within a second. It does not wait. A
// server uses it when the client reconnected before the server noticed
// that the old connection had died.
func (c *Conn) Park() {
	c.requestStop(errConnLost)
	c.abortStuckWrite()
}

// abortStuckWrite aborts a write stuck on the connection, which may be
// the channel's own goroutine writing inline to a connection that died
// with data in flight, and would keep the channel until the write's
// deadline: the connection then closes as lost. A connection whose
// writes go through is left alone. Until the channel has ended it looks
// again every stuckAfter: a write that began too recently to count as
// stuck, or that the goroutine starts on its way to the stop (the flush
// after the callback it is in), may be stuck just the same.
func (c *Conn) abortStuckWrite() {
	select {
	case <-c.done:
		return
	case <-c.client.finished:
		return
	default:
	}
	if c.client.stuckWriting(time.Now()) {
		c.client.conn.abortWrite()
		return
	}
	time.AfterFunc(stuckAfter, c.abortStuckWrite)
}

// errConnLost is the internal stop reason of a channel whose connection
// was lost: a Parker parks, and a Terminator sees ErrClosed.
var errConnLost = fmt.Errorf("%w: connection lost", ErrClosed)

// park offers the channel to ch if it is a Parker, and reports whether it
// took it. The Conn is ended either way when it did.
func (c *Conn) park(ch Channel) bool {
	pk, ok := ch.(Parker)
	if !ok {
		return false
	}
	c.mu.Lock()
	p := &Parked{ps: c.client.sock.ps, mailbox: c.mailbox, subs: c.subs}
	c.mu.Unlock()
	c.client.removeChannel(c)
	c.markEnded()
	if !c.offer(pk, p) {
		// Not taken: the channel ends as usual, and its subscriptions
		// close with it.
		p.take()
		return false
	}
	c.mu.Lock()
	c.subs = map[string]*pubsub.Subscription{}
	c.mu.Unlock()
	return true
}

// offer calls pk.Park, treating a panic as a refusal.
func (c *Conn) offer(pk Parker, p *Parked) (taken bool) {
	defer func() {
		if v := recover(); v != nil {
			c.logger.Error("channel Park panicked", "panic", fmt.Sprint(v))
			taken = false
		}
	}()
	return pk.Park(p)
}
