package wire

import "errors"

// Errors of the decoders and of [ApplyStreams]. Every error a decoder
// returns is a [*DecodeError] and matches ErrMalformed with [errors.Is].
var (
	// ErrMalformed means a message is not what its event carries: not the
	// JSON shape, a key of the wrong type, a required key missing, an event
	// no binding sends.
	ErrMalformed = errors.New("wire: malformed message")
	// ErrNoContainer means a stream operation names a container the tree
	// does not have. The browser skips such an operation; the server never
	// sends one, so in Go it is reported.
	ErrNoContainer = errors.New("wire: no stream container")
	// ErrNoItem means a stream insert carries no element.
	ErrNoItem = errors.New("wire: stream insert without an element")
)

// A DecodeError is a message a decoder refused. Reason says what is wrong
// in words safe to send back to the peer that sent it (the server answers
// a bad event with {"reason": Reason}); Error adds the JSON error, if any.
type DecodeError struct {
	Reason string
	Err    error // the encoding/json error behind it, or nil
}

func (e *DecodeError) Error() string {
	if e.Err != nil {
		return "wire: " + e.Reason + ": " + e.Err.Error()
	}
	return "wire: " + e.Reason
}

// Unwrap returns the JSON error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// Is reports that every DecodeError is an [ErrMalformed].
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// malformed returns a DecodeError.
func malformed(reason string, err error) error {
	return &DecodeError{Reason: reason, Err: err}
}
