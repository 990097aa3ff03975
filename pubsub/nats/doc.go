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
// served. A connection the adapter dialled reconnects forever with
// exponential backoff and restores its subscription; meanwhile nats.go
// buffers publishes (8 MB by default) and sends them on reconnection, and a
// broadcast that does not fit, or that is made after the connection closed,
// fails with [pubsub.ErrPublish] and is reported to the PubSub's OnError.
package nats
