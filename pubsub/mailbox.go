package pubsub

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// A Message is one delivery: the topic it was broadcast on and its payload.
//
// In the process that broadcast it, Payload is the very value passed to
// Broadcast (not a copy, not an encoding): treat it as immutable. On another
// node it is the value decoded into the type registered under the same name.
type Message struct {
	Topic   string
	Payload any
}

// A Mailbox is a bounded queue of messages read by one goroutine, such as a
// live view or a channel. Several subscriptions, on the same or on different
// topics, may deliver into one mailbox, like an Erlang process mailbox; the
// reader sees one stream in delivery order.
//
// # Overflow
//
// Delivering never blocks the publisher. When the queue is full the delivery
// is dropped and the mailbox becomes lagged: from then on it drops every
// delivery, without trying to enqueue it, until its owner calls
// [Mailbox.Resume]. The first drop signals [Mailbox.Overflow] and is reported
// to the delivering PubSub's OnError as [ErrOverflow]; every drop is counted
// ([Mailbox.Dropped]).
//
// The guarantee this buys: the messages the reader takes from C before it
// calls Resume are exactly the deliveries that preceded the first drop, in
// order, with no gap. A reader therefore never silently reads past a lost
// message. After a lag the owner must resynchronise from the source of truth:
// call Resume first (which discards what is still queued and clears the lag),
// then reload state; messages delivered after Resume follow normally, and any
// that the reload already reflects must be applied idempotently. An owner
// that cannot reload starts over instead: it ends, and whatever supervises it
// starts a fresh reader with a fresh mailbox.
//
// All methods are safe for concurrent use. C is never closed, because
// subscriptions may still deliver into it: readers select on it together with
// their own done channel.
type Mailbox struct {
	ch       chan Message
	overflow chan struct{} // capacity 1: a pending signal

	mu     sync.Mutex // guards lagged, and makes "enqueue or drop" atomic
	lagged bool

	dropped atomic.Uint64
	notify  atomic.Pointer[func()] // see Notify
}

// NewMailbox returns an empty mailbox that holds up to capacity undelivered
// messages. It panics if capacity is less than 1.
func NewMailbox(capacity int) *Mailbox {
	if capacity < 1 {
		panic(fmt.Sprintf("pubsub: NewMailbox expects capacity >= 1, got %d", capacity))
	}
	return &Mailbox{
		ch:       make(chan Message, capacity),
		overflow: make(chan struct{}, 1),
	}
}

// C returns the channel the owner reads messages from. It is never closed.
func (m *Mailbox) C() <-chan Message { return m.ch }

// Overflow returns a channel that receives a value when the mailbox becomes
// lagged, that is, when it drops a delivery for the first time since it was
// created or last resumed.
func (m *Mailbox) Overflow() <-chan struct{} { return m.overflow }

// Notify sets f to be called after every message put in the mailbox, and
// after Overflow is signalled, on the goroutine that delivered it (a
// PubSub's, or Send's caller). It lets an owner that does not keep a
// goroutine blocked on C start one when there is something to read. f
// must be quick and must not block; nil removes it.
func (m *Mailbox) Notify(f func()) {
	if f == nil {
		m.notify.Store(nil)
		return
	}
	m.notify.Store(&f)
}

// notified calls the function set with Notify, if any.
func (m *Mailbox) notified() {
	if f := m.notify.Load(); f != nil {
		(*f)()
	}
}

// Lagged reports whether the mailbox is dropping deliveries until Resume.
func (m *Mailbox) Lagged() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.lagged
}

// Dropped returns how many deliveries this mailbox has dropped in total.
func (m *Mailbox) Dropped() uint64 { return m.dropped.Load() }

// Len returns the number of messages waiting in the mailbox.
func (m *Mailbox) Len() int { return len(m.ch) }

// Cap returns the capacity the mailbox was created with.
func (m *Mailbox) Cap() int { return cap(m.ch) }

// Resume acknowledges a lag: it discards the messages still queued (they
// precede the gap), clears a pending Overflow signal and lets deliveries
// through again. It returns the number of messages discarded. Resume on a
// mailbox that is not lagged does nothing and returns 0.
func (m *Mailbox) Resume() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.lagged {
		return 0
	}
	n := 0
	for {
		select {
		case <-m.ch:
			n++
			continue
		default:
		}
		break
	}
	select {
	case <-m.overflow:
	default:
	}
	m.lagged = false
	return n
}

// Send puts msg in the mailbox directly, as a subscription would deliver it:
// without blocking and under the same overflow policy. It is how an owner
// sends itself a message later (a timer firing), the counterpart of Erlang's
// send(self(), msg). It reports whether msg was enqueued; a drop is counted
// and signalled on Overflow, but no PubSub hears of it.
func (m *Mailbox) Send(msg Message) bool {
	dropped, _ := m.deliver(msg)
	return !dropped
}

// deliver enqueues msg without blocking. It reports whether msg was dropped
// and whether this drop made the mailbox lagged.
func (m *Mailbox) deliver(msg Message) (dropped, lagged bool) {
	m.mu.Lock()
	if !m.lagged {
		select {
		case m.ch <- msg:
			m.mu.Unlock()
			m.notified()
			return false, false
		default:
			m.lagged = true
			lagged = true
		}
	}
	m.mu.Unlock()
	m.dropped.Add(1)
	if lagged {
		select {
		case m.overflow <- struct{}{}:
		default:
		}
		m.notified()
	}
	return true, lagged
}
