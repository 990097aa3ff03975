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
// The guarantee this buys: the messages the reader takes (from C, or with
// TryReceive) before it calls Resume are exactly the deliveries that
// preceded the first drop, in order, with no gap. A reader therefore never
// silently reads past a lost message. After a lag the owner must
// resynchronise from the source of truth: call Resume first (which
// discards what is still queued and clears the lag), then reload state;
// messages delivered after Resume follow normally, and any that the reload
// already reflects must be applied idempotently. An owner that cannot
// reload starts over instead: it ends, and whatever supervises it starts a
// fresh reader with a fresh mailbox.
//
// All methods are safe for concurrent use. C is never closed, because
// subscriptions may still deliver into it: readers select on it together with
// their own done channel.
type Mailbox struct {
	capacity int
	overflow chan struct{} // capacity 1: a pending signal

	mu     sync.Mutex // guards what follows, and makes "enqueue or drop" atomic
	lagged bool
	// Messages wait in q (from head on) until C is first called; from then
	// on in ch, the channel C returns. An owner that reads with TryReceive
	// never makes the channel, and an empty mailbox then holds no buffer:
	// most mailboxes are idle, and a channel is allocated at its full
	// capacity.
	q    []Message
	head int
	ch   chan Message
	chp  atomic.Pointer[chan Message] // ch, once made: C's fast path

	dropped atomic.Uint64
	notify  atomic.Pointer[func()] // see Notify
}

// spareQueue is the largest queue slice an emptied mailbox keeps for its
// next messages; a larger one goes back to the garbage collector.
const spareQueue = 4

// NewMailbox returns an empty mailbox that holds up to capacity undelivered
// messages. It panics if capacity is less than 1.
func NewMailbox(capacity int) *Mailbox {
	if capacity < 1 {
		panic(fmt.Sprintf("pubsub: NewMailbox expects capacity >= 1, got %d", capacity))
	}
	return &Mailbox{capacity: capacity, overflow: make(chan struct{}, 1)}
}

// C returns the channel the owner reads messages from. It is never closed.
// The first call makes it, at the mailbox's full capacity, and moves the
// messages waiting into it; an owner that never calls C reads with
// [Mailbox.TryReceive] instead.
func (m *Mailbox) C() <-chan Message {
	if p := m.chp.Load(); p != nil {
		return *p
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ch == nil {
		m.ch = make(chan Message, m.capacity)
		for _, msg := range m.q[m.head:] {
			m.ch <- msg
		}
		m.q, m.head = nil, 0
		m.chp.Store(&m.ch)
	}
	return m.ch
}

// TryReceive takes the oldest message waiting, if there is one, without
// blocking. With [Mailbox.Notify], it lets an owner read the mailbox
// without a goroutine blocked on C, and without the buffer C's channel
// needs.
func (m *Mailbox) TryReceive() (Message, bool) {
	if p := m.chp.Load(); p != nil {
		select {
		case msg := <-*p:
			return msg, true
		default:
			return Message{}, false
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ch != nil {
		select {
		case msg := <-m.ch:
			return msg, true
		default:
			return Message{}, false
		}
	}
	if m.head == len(m.q) {
		return Message{}, false
	}
	msg := m.q[m.head]
	m.q[m.head] = Message{} // the payload is garbage once handled
	m.head++
	if m.head == len(m.q) {
		m.head = 0
		if cap(m.q) > spareQueue {
			m.q = nil
		} else {
			m.q = m.q[:0]
		}
	}
	return msg, true
}

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
func (m *Mailbox) Len() int {
	if p := m.chp.Load(); p != nil {
		return len(*p)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ch != nil {
		return len(m.ch)
	}
	return len(m.q) - m.head
}

// Cap returns the capacity the mailbox was created with.
func (m *Mailbox) Cap() int { return m.capacity }

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
	n := len(m.q) - m.head
	clear(m.q)
	m.q, m.head = nil, 0
	for m.ch != nil {
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
		if m.ch == nil && len(m.q)-m.head < m.capacity {
			if m.head > 0 && len(m.q) == cap(m.q) {
				// Reuse the room of what was read rather than grow.
				n := copy(m.q, m.q[m.head:])
				clear(m.q[n:])
				m.q, m.head = m.q[:n], 0
			}
			m.q = append(m.q, msg)
			m.mu.Unlock()
			m.notified()
			return false, false
		}
		select {
		case m.ch <- msg: // a nil channel is never ready: full
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
