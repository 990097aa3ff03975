package pubsub

import "context"

// An Adapter carries broadcasts between the nodes of a cluster, like the
// adapters of Phoenix.PubSub. It moves opaque frames (the binary form of an
// [Envelope]): every frame published by any node, including this one, is
// handed to every node's receive function; the PubSub drops its own frames,
// and the frames addressed to another node, itself.
//
// The delivery guarantee across nodes is at most once, as in Phoenix: a frame
// published while the transport is down may be lost, and is then reported by
// Publish. Frames published by one node should arrive in the order they were
// published.
//
// A PubSub owns the adapter it is given: it calls Start once from [New] and
// Close once, from [PubSub.Close] or from New when Start failed. Publish may
// be called concurrently, and after Close must fail rather than block.
type Adapter interface {
	// Start subscribes to the cluster and begins calling receive with each
	// frame that arrives, from one goroutine at a time, in arrival order.
	// It returns once frames published after it returns will be received.
	// receive does not block and does not retain frame after it returns.
	Start(receive func(frame []byte)) error
	// Publish sends a frame to every node. It does not wait for delivery.
	// It may keep frame: the PubSub never modifies a frame once published.
	Publish(ctx context.Context, frame []byte) error
	// Close stops delivery and returns once receive is no longer running.
	Close() error
}
