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
// meanwhile. While Redis is unreachable, local subscribers keep being served;
// each broadcast that cannot be published fails with [pubsub.ErrPublish] and
// is reported to the PubSub's OnError. The adapter reconnects with
// exponential backoff and resubscribes on its own.
package redis
