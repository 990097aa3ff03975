package channel

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// Errors reported by the socket and its channels. Compare with
// [errors.Is]; they may be wrapped with context.
var (
	// ErrClosed is returned by methods of a socket, connection or channel
	// that has closed.
	ErrClosed = errors.New("channel: closed")
	// ErrLeft is the reason given to [Terminator.Terminate] when the client
	// left the channel (phx_leave) or joined it again.
	ErrLeft = errors.New("channel: left")
	// ErrSlowClient is the reason a connection is closed when the client
	// does not read as fast as the server writes: its outbound queue would
	// go over [Limits.OutboundBytes], or has not been empty for
	// [Limits.SlowClientTimeout].
	ErrSlowClient = errors.New("channel: client too slow")
	// ErrRateLimited is the reason a connection is closed when its client
	// sends more than [Limits.EventsPerSecond].
	ErrRateLimited = errors.New("channel: client sent too many events")
	// ErrDisconnected is the reason a connection is closed by
	// [Socket.Disconnect].
	ErrDisconnected = errors.New("channel: disconnected by the server")
	// ErrMalformedFrame is reported for a frame that does not decode.
	ErrMalformedFrame = errors.New("channel: malformed frame")
	// ErrChannelCrashed is matched by every [CrashError]: a channel's
	// callback panicked or returned an error; the client receives
	// phx_error.
	ErrChannelCrashed = errors.New("channel: crashed")
	// ErrMailboxOverflow is the reason a channel is crashed when its PubSub
	// mailbox overflows and it is not a [Lagger] (or its Lagged declined):
	// it missed messages, so it must start over.
	ErrMailboxOverflow = errors.New("channel: mailbox overflowed")
)

// A CrashError says why a channel crashed: the callback (Op) that panicked
// or returned an error, and that error. It matches [ErrChannelCrashed] and
// its Err with [errors.Is]. The channel's [Terminator] receives it, and
// the socket logs it once.
//
// A Channel whose callbacks call its own users' code may return a
// CrashError itself, naming the user's callback that failed rather than
// its own; it is kept as it is, not wrapped. Build it only when failing,
// so that naming costs the way of every message nothing.
type CrashError struct {
	// Op names the callback: "Join", `HandleIn "new_msg"`, "Drained", …,
	// or what a Channel named itself (see above).
	Op string
	// Err is the error the callback returned, or the panic as an error.
	Err error
	// Stack is the goroutine's stack at a panic, nil for an error.
	Stack []byte
}

func (e *CrashError) Error() string { return "channel: crashed in " + e.Op + ": " + e.Err.Error() }

// Unwrap returns [ErrChannelCrashed] and Err.
func (e *CrashError) Unwrap() []error { return []error{ErrChannelCrashed, e.Err} }

// panicked turns a value recovered in op into a CrashError with the stack.
func panicked(op string, v any) *CrashError {
	err, ok := v.(error)
	if !ok {
		err = fmt.Errorf("panic: %v", v)
	} else {
		err = fmt.Errorf("panic: %w", err)
	}
	return &CrashError{Op: op, Err: err, Stack: debug.Stack()}
}

// asCrash returns err as a CrashError of op, unless it holds one already
// (see [CrashError]).
func asCrash(op string, err error) *CrashError {
	var ce *CrashError
	if errors.As(err, &ce) {
		return ce
	}
	return &CrashError{Op: op, Err: err}
}
