package pubsub

import "errors"

// Errors returned by this package. Compare with [errors.Is]: most are wrapped
// with the topic or type name they concern.
var (
	// ErrClosed is returned by operations on a closed PubSub or adapter.
	ErrClosed = errors.New("pubsub: closed")
	// ErrOverflow is reported to Options.OnError when a mailbox first drops a
	// delivery because it is full (see [Mailbox]).
	ErrOverflow = errors.New("pubsub: mailbox overflow")
	// ErrUnregistered means a value crossing nodes has a type that was not
	// registered with [PubSub.Register], or a remote message names a type
	// this node does not know.
	ErrUnregistered = errors.New("pubsub: unregistered type")
	// ErrDuplicateType is returned when a name or a type is registered twice
	// with a different counterpart.
	ErrDuplicateType = errors.New("pubsub: type registered twice")
	// ErrDecode means a message from another node could not be decoded.
	ErrDecode = errors.New("pubsub: cannot decode message")
	// ErrEncode means a value could not be encoded for other nodes.
	ErrEncode = errors.New("pubsub: cannot encode message")
	// ErrDisconnected is returned by the adapters of a [MemoryCluster] node
	// that was cut off with [MemoryCluster.Cut].
	ErrDisconnected = errors.New("pubsub: disconnected")
	// ErrPublish is reported to Options.OnError when the adapter failed to
	// carry broadcasts to other nodes, or a full publish queue dropped
	// them. Local subscribers have received them all the same, and
	// Broadcast returned nil.
	ErrPublish = errors.New("pubsub: publish to other nodes failed")
)
