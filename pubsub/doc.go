// Package pubsub delivers messages to subscribers by topic, in one process
// and across the nodes of a cluster. It is the Go counterpart of
// Phoenix.PubSub and serves the same pattern: application code broadcasts
// after a successful operation, and live views subscribe and react.
//
//	// in the blog package, after the insert committed:
//	ps.Broadcast(ctx, "posts", PostCreated{Post: post})
//	ps.Broadcast(ctx, "users:"+userID+":posts", PostCreated{Post: post})
//
//	// in a live view's Mount, when connected (package live delivers the
//	// messages to the view's HandleInfo, on its goroutine):
//	s.Subscribe("posts")
//
//	// anywhere else, a subscription read by its owner's goroutine:
//	sub, err := ps.Subscribe("posts")
//	for m := range sub.C() { switch p := m.Payload.(type) { ... } }
//
// # Topics
//
// A topic is any string; nothing is parsed. By convention the parts of a
// topic are separated by colons, from general to specific: "posts" for every
// post, "posts:42" for one post, "users:7:posts" for the posts of one user,
// "lv:<id>" for one live view. Subscribing costs nothing per topic that has
// no subscriber, so fine-grained topics are cheap.
//
// # Delivery
//
// In the process that broadcasts, a subscriber receives the very Go value that
// was broadcast: nothing is copied or encoded, so payloads must be treated as
// immutable. Messages from one publishing goroutine reach each subscriber in
// the order they were broadcast. Subscribing twice to a topic delivers each
// message twice. [PubSub.BroadcastFrom] skips the sender's own mailbox and
// [PubSub.LocalBroadcast] stays on this node.
//
// Each subscription delivers into a [Mailbox], a bounded queue read by one
// goroutine. Publishing never blocks on a slow reader: a full mailbox drops
// the delivery, becomes lagged and drops everything after it until its owner
// calls [Mailbox.Resume], so a reader never silently reads past a gap. The
// drop is signalled on [Mailbox.Overflow], reported to Options.OnError as
// [ErrOverflow] and counted in [PubSub.Stats]. The owner then catches up
// from its source of truth, or starts over (see [Mailbox]).
//
// # Nodes
//
// With an [Adapter] (package pubsub/redis, pubsub/nats, or a [MemoryCluster]
// in tests), a broadcast also reaches the subscribers of the other nodes. The
// payload is encoded once with the [Codec] (JSON by default) into an
// [Envelope] that names the sending node, the topic and the payload's
// registered type, and is published once. Every node registers the types it
// exchanges under the same names, with [PubSub.Register] or [Register], so
// that the receiver rebuilds a value of the same Go type. The sending node
// delivers locally without a round trip and ignores its own envelope when it
// comes back. A message that cannot be decoded, or names an unknown type, is
// reported to OnError and dropped; it never stops the delivery of others.
//
// Across nodes delivery is at most once, as in Phoenix, and local delivery
// never depends on the broker. A broadcast does not wait for the adapter:
// its frame joins this node's publish queue, which one goroutine hands to
// the adapter in order, each publish bounded by Options.PublishTimeout. While
// the broker is slow or unreachable, broadcasts return at once and local
// subscribers are served; frames the adapter fails to publish, or that the
// bounded queue drops (oldest first), are counted in [PubSub.Stats] and
// reported to OnError as [ErrPublish], never returned to the broadcaster.
// Frames from one node reach the others in the order they were queued.
//
// # Testing
//
// Package pubsubtest holds a conformance suite that any PubSub setup,
// single node or cluster, must pass.
package pubsub
