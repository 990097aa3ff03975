package pubsub

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMailboxSize is the capacity of a mailbox created by
// [PubSub.Subscribe] when Options.MailboxSize is zero.
const DefaultMailboxSize = 256

// Options configures a [PubSub]. The zero value is a single-node PubSub with
// the defaults below.
type Options struct {
	// Node names this node in a cluster. Names must be unique among the
	// nodes sharing an adapter. The default is a random name.
	Node string
	// Adapter carries broadcasts to other nodes. With nil, broadcasts reach
	// this node only and nothing is ever encoded.
	Adapter Adapter
	// Codec encodes values crossing nodes. The default is [JSON].
	Codec Codec
	// MailboxSize is the capacity of the mailbox [PubSub.Subscribe] creates.
	// The default is [DefaultMailboxSize].
	MailboxSize int
	// PublishTimeout bounds each publish to the adapter, and how long
	// Close waits for the broadcasts still queued for other nodes. The
	// default is [DefaultPublishTimeout].
	PublishTimeout time.Duration
	// PublishQueue and PublishQueueBytes bound the broadcasts waiting to
	// be published to other nodes, in frames and in bytes. When either is
	// reached the oldest is dropped and counted in Stats.PublishDropped.
	// The defaults are [DefaultPublishQueue] and
	// [DefaultPublishQueueBytes].
	PublishQueue      int
	PublishQueueBytes int
	// Logger receives the reports that also go to OnError; an outage of
	// the adapter is logged when it begins and when it ends, not for each
	// failed publish. The default is [slog.Default].
	Logger *slog.Logger
	// OnError, if set, is called with each message from another node that
	// cannot be decoded, each publish to the adapter that failed and the
	// first frame dropped from a full publish queue ([ErrPublish]), and
	// each mailbox that overflowed ([ErrOverflow]). Classify with
	// [errors.Is]. It is called synchronously from the goroutine that hit
	// the problem (for a failed publish, the one that publishes to the
	// adapter), never while a lock of the PubSub is held, possibly from
	// several goroutines at once; it must not block.
	OnError func(error)
}

// Stats are counters of a [PubSub] since it was created.
type Stats struct {
	Broadcasts     uint64 // messages broadcast from this node, to the cluster or locally
	Received       uint64 // messages from other nodes delivered on this node
	Delivered      uint64 // messages put into local subscribers' mailboxes
	Dropped        uint64 // deliveries dropped by full or lagged mailboxes
	Overflows      uint64 // times a mailbox became lagged
	DecodeErrors   uint64 // remote messages dropped as undecodable or unregistered
	PublishErrors  uint64 // broadcasts the adapter failed to publish to other nodes
	PublishDropped uint64 // broadcasts dropped unpublished: the publish queue was full, or Close could not wait
}

// PubSub delivers messages broadcast on a topic to every subscription to
// that topic, on this node and, through an [Adapter], on the other nodes of a
// cluster. It is the Go counterpart of Phoenix.PubSub; see the package
// documentation for topics, ordering and overflow.
//
// All methods are safe for concurrent use. Whoever calls [New] must call
// [PubSub.Close], which also closes the adapter.
type PubSub struct {
	node    string
	adapter Adapter
	pub     *publisher // feeds adapter; nil without one
	codec   Codec
	mbSize  int
	logger  *slog.Logger
	onError func(error)

	reg   *registry
	types *types

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error

	dropped, overflows, decodeErrors atomic.Uint64
	broadcasts, received, delivered  atomic.Uint64
}

// New returns a PubSub configured by opts. With an adapter, New starts it;
// if that fails, New closes the adapter and returns the error.
func New(opts Options) (*PubSub, error) {
	ps := &PubSub{
		node:    opts.Node,
		adapter: opts.Adapter,
		codec:   opts.Codec,
		mbSize:  opts.MailboxSize,
		logger:  opts.Logger,
		onError: opts.OnError,
		reg:     newRegistry(),
		types:   newTypes(),
	}
	if ps.node == "" {
		ps.node = "node-" + rand.Text()
	}
	if ps.codec == nil {
		ps.codec = JSON
	}
	if ps.mbSize <= 0 {
		ps.mbSize = DefaultMailboxSize
	}
	if ps.logger == nil {
		ps.logger = slog.Default()
	}
	ps.logger = ps.logger.With("layer", "pubsub")
	if ps.adapter != nil {
		if err := ps.adapter.Start(ps.receive); err != nil {
			// The PubSub owns the adapter: release what Start may have
			// acquired before failing.
			return nil, errors.Join(fmt.Errorf("pubsub: start adapter: %w", err), ps.adapter.Close())
		}
		ps.pub = newPublisher(ps.adapter, opts, ps.logger)
	}
	return ps, nil
}

// Node returns the name of this node.
func (ps *PubSub) Node() string { return ps.node }

// Close unsubscribes every subscription, publishes the broadcasts still
// queued for other nodes (waiting for them up to Options.PublishTimeout),
// closes the adapter and waits for its goroutines. Later broadcasts and
// subscribes fail with [ErrClosed]. Close is idempotent; every call returns
// the first call's result.
func (ps *PubSub) Close() error {
	ps.closeOnce.Do(func() {
		ps.closed.Store(true)
		if ps.pub != nil {
			ps.pub.stop()
		}
		if ps.adapter != nil {
			if err := ps.adapter.Close(); err != nil {
				ps.closeErr = fmt.Errorf("pubsub: close adapter: %w", err)
			}
		}
		if ps.pub != nil {
			ps.pub.wait()
		}
		ps.reg.removeAll()
	})
	return ps.closeErr
}

// Stats returns the counters of this PubSub.
func (ps *PubSub) Stats() Stats {
	st := Stats{
		Broadcasts:   ps.broadcasts.Load(),
		Received:     ps.received.Load(),
		Delivered:    ps.delivered.Load(),
		Dropped:      ps.dropped.Load(),
		Overflows:    ps.overflows.Load(),
		DecodeErrors: ps.decodeErrors.Load(),
	}
	if ps.pub != nil {
		st.PublishErrors = ps.pub.errors.Load()
		st.PublishDropped = ps.pub.dropped.Load()
	}
	return st
}

// A TopicInfo is a topic with subscribers on this node, for [PubSub.Topics].
type TopicInfo struct {
	Name        string
	Subscribers int
}

// Topics returns the topics with subscribers on this node, sorted by name,
// for an operator's dashboard. It visits every topic: call it at a human's
// rate.
func (ps *PubSub) Topics() []TopicInfo {
	out := ps.reg.topics()
	slices.SortFunc(out, func(a, b TopicInfo) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Subscribers returns the number of subscriptions to topic on this node.
func (ps *PubSub) Subscribers(topic string) int { return ps.reg.count(topic) }

// Subscribe subscribes to topic with a new mailbox of Options.MailboxSize.
// Subscribing twice to one topic delivers each message twice, as in Phoenix.
func (ps *PubSub) Subscribe(topic string) (*Subscription, error) {
	return ps.SubscribeMailbox(NewMailbox(ps.mbSize), topic)
}

// SubscribeMailbox subscribes to topic, delivering into mb. Several
// subscriptions may share one mailbox; their messages interleave in delivery
// order.
func (ps *PubSub) SubscribeMailbox(mb *Mailbox, topic string) (*Subscription, error) {
	if mb == nil {
		return nil, errors.New("pubsub: SubscribeMailbox with a nil mailbox")
	}
	if ps.closed.Load() {
		return nil, ErrClosed
	}
	s := &Subscription{ps: ps, topic: topic, mb: mb, idx: -1}
	ps.reg.add(s)
	if ps.closed.Load() {
		// Close ran concurrently and may have missed us.
		ps.reg.remove(s)
		return nil, ErrClosed
	}
	return s, nil
}

// Unsubscribe removes s. When it returns, no message will be delivered
// through s any more (messages already in the mailbox stay there).
// Unsubscribing twice is harmless.
func (ps *PubSub) Unsubscribe(s *Subscription) error {
	ps.reg.remove(s)
	return nil
}

// Broadcast delivers msg to every subscription to topic, on this node and on
// the other nodes of the cluster.
//
// Local subscribers receive msg itself, synchronously, before Broadcast
// returns, without blocking on any of them. Other nodes receive it encoded
// once with the Codec and published once through the adapter, so its type
// must have been registered ([PubSub.Register]); if it was not, or encoding
// fails, Broadcast delivers nothing and returns the error.
//
// Broadcast does not wait for the adapter: the frame joins this node's
// publish queue, which one goroutine hands to the adapter in order. Whether
// the broker is slow, unreachable or reconnecting, Broadcast returns at
// once and local subscribers are served; a frame the adapter fails to
// publish, or that a full queue drops, is counted in [PubSub.Stats] and
// reported to OnError as [ErrPublish], never returned. Once Broadcast
// returns, the only errors are the caller's: ctx done, a closed PubSub, a
// value that cannot be encoded.
func (ps *PubSub) Broadcast(ctx context.Context, topic string, msg any) error {
	return ps.broadcast(ctx, nil, "", topic, msg)
}

// BroadcastFrom is like [PubSub.Broadcast] but skips the subscriptions that
// deliver into from, typically the sender's own mailbox. Other nodes deliver
// to all their subscribers.
func (ps *PubSub) BroadcastFrom(ctx context.Context, from *Mailbox, topic string, msg any) error {
	return ps.broadcast(ctx, from, "", topic, msg)
}

// DirectBroadcast delivers msg to the subscribers of topic on the node named
// node only. Addressing this node delivers locally without the adapter.
func (ps *PubSub) DirectBroadcast(ctx context.Context, node, topic string, msg any) error {
	if node == ps.node {
		if ps.closed.Load() {
			return ErrClosed
		}
		ps.LocalBroadcast(topic, msg)
		return nil
	}
	if node == "" {
		return errors.New("pubsub: DirectBroadcast to an empty node name")
	}
	return ps.broadcast(ctx, nil, node, topic, msg)
}

// LocalBroadcast delivers msg to the subscribers of topic on this node only.
// It never fails: after Close there is simply nobody left to deliver to.
func (ps *PubSub) LocalBroadcast(topic string, msg any) {
	ps.broadcasts.Add(1)
	ps.deliver(nil, topic, msg)
}

// LocalBroadcastFrom is like [PubSub.LocalBroadcast] but skips the
// subscriptions that deliver into from.
func (ps *PubSub) LocalBroadcastFrom(from *Mailbox, topic string, msg any) {
	ps.broadcasts.Add(1)
	ps.deliver(from, topic, msg)
}

func (ps *PubSub) broadcast(ctx context.Context, from *Mailbox, to, topic string, msg any) error {
	if ps.closed.Load() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ps.broadcasts.Add(1)
	if ps.adapter == nil {
		if to == "" {
			ps.deliver(from, topic, msg)
		}
		return nil
	}
	frame, err := ps.encode(to, topic, msg)
	if err != nil {
		return err
	}
	if to == "" {
		ps.deliver(from, topic, msg)
	}
	if !ps.pub.enqueue(frame) {
		// Close began after the check above: like any broadcast after
		// Close, it reaches no other node.
		return ErrClosed
	}
	return nil
}

// deliver hands msg to the local subscribers of topic, except those of from.
func (ps *PubSub) deliver(from *Mailbox, topicName string, msg any) {
	t := ps.reg.lookup(topicName)
	if t == nil {
		return
	}
	m := Message{Topic: topicName, Payload: msg}
	var lagged []*Mailbox // allocated only when a mailbox overflows
	var delivered, dropped uint64
	t.mu.RLock()
	for _, s := range t.subs {
		if s.mb == from {
			continue
		}
		if d, l := s.mb.deliver(m); d {
			dropped++
			if l {
				lagged = append(lagged, s.mb)
			}
		} else {
			delivered++
		}
	}
	t.mu.RUnlock()
	ps.delivered.Add(delivered)
	if dropped == 0 {
		return
	}
	ps.dropped.Add(dropped)
	ps.overflows.Add(uint64(len(lagged)))
	for _, mb := range lagged {
		ps.report(fmt.Errorf("%w: topic %q: a mailbox of capacity %d is full and now lagged", ErrOverflow, topicName, mb.Cap()))
	}
}

// receive is the adapter's callback for each frame from the cluster.
func (ps *PubSub) receive(frame []byte) {
	if ps.closed.Load() {
		return
	}
	var env Envelope
	if err := env.UnmarshalBinary(frame); err != nil {
		ps.decodeErrors.Add(1)
		ps.report(err)
		return
	}
	if env.Node == ps.node || (env.To != "" && env.To != ps.node) {
		return
	}
	msg, err := ps.decodePayload(&env)
	if err != nil {
		ps.decodeErrors.Add(1)
		ps.report(err)
		return
	}
	ps.received.Add(1)
	ps.deliver(nil, env.Topic, msg)
}

func (ps *PubSub) report(err error) {
	ps.logger.Warn("message not delivered", "node", ps.node, "err", err)
	if ps.onError != nil {
		ps.onError(err)
	}
}
