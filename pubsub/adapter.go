package pubsub

import "context"

// An Adapter carries broadcasts between the nodes of a cluster, like the
// adapters of Phoenix.PubSub. It moves opaque frames (the binary form of an
// [Envelope]): every frame published by any node, including this one, is
// handed to every node's receive function; the PubSub drops its own frames,
// and the frames addressed to another node, itself.
//
// The delivery guarantee across nodes is at most once, as in Phoenix: a frame
// published while the transport is down may be lost; Publish then returns an
// error, which the PubSub counts and reports. Frames published by one node
// should arrive in the order they were published.
//
// A PubSub owns the adapter it is given: it calls Start once from [New] and
// Close once, from [PubSub.Close] or from New when Start failed. It calls
// Publish from one goroutine at a time, in the order of the broadcasts,
// never from the broadcasting goroutine: a slow or unreachable broker delays
// other nodes, never this one. Publish after Close must fail rather than
// block.
type Adapter interface {
	// Start subscribes to the cluster and begins calling receive with each
	// frame that arrives, from one goroutine at a time, in arrival order.
	// It returns once frames published after it returns will be received.
	// receive does not block and does not retain frame after it returns.
	Start(receive func(frame []byte)) error
	// Publish sends a frame to every node. It does not wait for delivery,
	// and gives up when ctx is done (the PubSub bounds it with
	// Options.PublishTimeout). It may keep frame: the PubSub never
	// modifies a frame once published.
	Publish(ctx context.Context, frame []byte) error
	// Close stops delivery and returns once receive is no longer running.
	Close() error
}

// A BatchPublisher is an [Adapter] that can publish several frames in one
// round trip to its broker, in order, like a Redis pipeline. The PubSub
// uses it, when its adapter has it, to send what queued up during a burst
// or a slow publish. An error means none of the frames may have been
// published.
type BatchPublisher interface {
	PublishBatch(ctx context.Context, frames [][]byte) error
}
