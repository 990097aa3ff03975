package pubsub

// A Subscription is one registration of a mailbox on a topic. It is safe for
// concurrent use. Whoever subscribed should Close it when done; closing the
// PubSub closes every subscription.
type Subscription struct {
	ps    *PubSub
	topic string
	mb    *Mailbox

	t   *topic // set once by registry.add
	idx int    // position in t.subs, -1 when not registered; guarded by t.mu
}

// C returns the channel of the subscription's mailbox. It is never closed;
// see [Mailbox].
func (s *Subscription) C() <-chan Message { return s.mb.C() }

// Mailbox returns the mailbox this subscription delivers into.
func (s *Subscription) Mailbox() *Mailbox { return s.mb }

// Topic returns the topic of the subscription.
func (s *Subscription) Topic() string { return s.topic }

// Close unsubscribes; it is the same as [PubSub.Unsubscribe]. It is
// idempotent and always returns nil.
func (s *Subscription) Close() error { return s.ps.Unsubscribe(s) }
