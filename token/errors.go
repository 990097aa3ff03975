package token

import "errors"

// Errors of [Signer.Verify] and [Verify]. Compare with [errors.Is]; they may
// be wrapped with context.
var (
	// ErrInvalid is returned for a forged, altered, malformed or
	// future-dated token, or one signed with another salt or secret.
	ErrInvalid = errors.New("token: invalid")
	// ErrExpired is returned for a genuine token older than the max age.
	ErrExpired = errors.New("token: expired")
)
