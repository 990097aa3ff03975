// Package redis carries [pubsub.PubSub] broadcasts between nodes over Redis
// pub/sub, with go-redis.
//
// Every node of a cluster subscribes to one Redis channel and publishes each
// broadcast to it once, as an encoded [pubsub.Envelope]; nodes ignore their
// own frames. Start a node like this:
//
//	ps, err := pubsub.New(pubsub.Options{
//		Node:    hostname,                                   // unique per node
//		Adapter: redis.New(redis.Options{Addr: "127.0.0.1:6379"}),
//	})
//
// All nodes must use the same Channel and register the same payload types
// (see [pubsub.PubSub.Register]).
//
// # Delivery and outages
//
// Delivery across nodes is at most once, as with Redis pub/sub itself and
// with Phoenix: a node that is disconnected misses what is published
// meanwhile. While Redis is unreachable, local subscribers keep being served
// and broadcasts return at once: the PubSub publishes from its own queue, and
// the frames that cannot be published are counted and reported to its
// OnError as [pubsub.ErrPublish]. The adapter reconnects with exponential
// backoff and resubscribes on its own. A subscription that has gone silent
// is pinged after Options.HealthCheck (2 s by default) and replaced when the
// ping is not answered within as long again, so a half-open connection (a
// dead NAT entry, a vanished host) is noticed within 4 s. The PubSub sends
// what queued up during a burst in one pipeline.
package redis
