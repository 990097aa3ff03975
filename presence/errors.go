package presence

import "errors"

// Errors returned by this package. Compare with [errors.Is]: they are
// wrapped with the topic and key they concern.
var (
	// ErrClosed is returned by operations on a closed Tracker.
	ErrClosed = errors.New("presence: tracker closed")
	// ErrAlreadyTracked is returned by Track when the owner already tracks
	// the key on the topic; use Update to change its meta.
	ErrAlreadyTracked = errors.New("presence: already tracked")
	// ErrNotTracked is returned by Update when the owner does not track the
	// key on the topic.
	ErrNotTracked = errors.New("presence: not tracked")
	// ErrInvalidOptions is returned by New for replication settings that
	// cannot work together.
	ErrInvalidOptions = errors.New("presence: invalid options")
	// ErrMetaNotObject is returned when a meta does not marshal to a JSON
	// object, so it cannot be flattened next to phx_ref.
	ErrMetaNotObject = errors.New("presence: meta is not a JSON object")
)
