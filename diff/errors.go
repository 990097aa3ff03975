package diff

import "errors"

// Errors returned by [Apply] and [DecodeJSON]. Apply wraps one of them with
// the index of the failing operation.
var (
	// ErrInvalidPatch means the wire form is not a patch, or an operation
	// does not fit the node it addresses (text on an element, an attribute
	// on text).
	ErrInvalidPatch = errors.New("diff: invalid patch")
	// ErrPath means a path does not resolve in the tree.
	ErrPath = errors.New("diff: path does not resolve")
	// ErrOpaque means a path descends into the children of a
	// live-update="ignore" or "stream" element, which patches never touch,
	// or of a <template>, whose content is not among its DOM children.
	ErrOpaque = errors.New("diff: path enters an opaque container")
)
