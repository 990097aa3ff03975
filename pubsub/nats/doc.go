// Package nats carries [pubsub.PubSub] broadcasts between nodes over NATS
// core publish/subscribe, with nats.go.
//
// Every node of a cluster subscribes to one subject and publishes each
// broadcast to it once, as an encoded [pubsub.Envelope]; nodes ignore their
// own frames. Start a node like this:
//
//	ps, err := pubsub.New(pubsub.Options{
//		Node:    hostname,                                      // unique per node
//		Adapter: nats.New(nats.Options{URL: "nats://127.0.0.1:4222"}),
//	})
//
// All nodes must use the same Subject and register the same payload types
// (see [pubsub.PubSub.Register]).
//
// # Delivery and outages
//
// Delivery across nodes is at most once, as with NATS core and with Phoenix:
// a node that is disconnected misses what is published meanwhile, and a node
// that cannot keep up has frames dropped by the client (logged as a slow
// consumer). While the server is unreachable local subscribers keep being
// served and broadcasts return at once: the PubSub publishes from its own
// queue. A connection the adapter dialled pings the server every
// Options.PingInterval (1 s by default) and is deemed stale after
// Options.MaxPingsOut (2) unanswered pings, so a half-open connection is
// noticed within 3 s; it reconnects forever with exponential backoff and
// restores its subscription. Meanwhile nats.go buffers publishes (8 MB by
// default) and sends them on reconnection; a frame that does not fit, or
// that is published after the connection closed, is counted and reported to
// the PubSub's OnError as [pubsub.ErrPublish].
package nats
