package render

import "errors"

// Errors returned by this package.
var (
	// ErrParse wraps a failure of the fallback HTML parser; the fast path
	// itself never fails.
	ErrParse = errors.New("render: parse")
)
