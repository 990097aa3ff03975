package channel

import "errors"

// Errors reported by the socket and its channels. Compare with
// [errors.Is]; they may be wrapped with context.
var (
	// ErrClosed is returned by methods of a socket, connection or channel
	// that has closed.
	ErrClosed = errors.New("live: closed")
	// ErrLeft is the reason given to [Terminator.Terminate] when the client
	// left the channel (phx_leave) or joined it again.
	ErrLeft = errors.New("live: channel left")
	// ErrSlowClient is the reason a connection is closed when its outbound
	// queue is full: the client does not read as fast as the server writes.
	ErrSlowClient = errors.New("live: client too slow")
	// ErrRateLimited is the reason a connection is closed when its client
	// sends more than [SocketOptions.EventsPerSecond].
	ErrRateLimited = errors.New("live: client sent too many events")
	// ErrDisconnected is the reason a connection is closed by
	// [Socket.Disconnect].
	ErrDisconnected = errors.New("live: disconnected by the server")
	// ErrMalformedFrame is reported for a frame that does not decode.
	ErrMalformedFrame = errors.New("live: malformed frame")
	// ErrChannelCrashed wraps the panic value or error that crashed a
	// channel; the client receives phx_error.
	ErrChannelCrashed = errors.New("live: channel crashed")
	// ErrMailboxOverflow is the reason a channel is crashed when its PubSub
	// mailbox overflows: it missed messages, so it must start over.
	ErrMailboxOverflow = errors.New("live: channel mailbox overflowed")
)
