// Package token signs and verifies expiring tokens in the manner of
// Phoenix.Token: a token carries data that anyone holding it can read but
// no one can forge or alter without the secret, and it expires. Sign
// identifiers (a user id, a view's session), not secrets.
//
// # Signing and verifying
//
// A [Signer] is made once from a secret of at least 32 random bytes, the
// same on every node of a cluster; changing the secret invalidates every
// token, which signs everyone out. [Sign] encodes a Go value as JSON and
// signs it; [Verify] checks a token and decodes it into the same type:
//
//	signer := token.NewSigner(secret)
//	tok, err := token.Sign(signer, "user socket", userID)
//	…
//	userID, err := token.Verify[string](signer, "user socket", tok, 24*time.Hour)
//
// [Signer.Sign] and [Signer.Verify] do the same with raw bytes. The salt
// names the token's purpose: each salt has its own key, so a token signed
// for "user socket" never verifies for "password reset". The max age is
// given when verifying (zero means [DefaultMaxAge], one day) and counts
// from the moment of signing, which [Signer.SignAt] lets the caller choose.
//
// # Authenticating sockets
//
// As in a Phoenix user socket, a page's handler signs a token for the
// signed-in user and renders it into the page; the client sends it when it
// connects, and the socket's connect callback
// ([github.com/templive/templive/live/channel.SocketOptions].Connect)
// verifies it and refuses the connection otherwise (Example (UserSocket)).
// The package imports only the standard library, so an application that
// serves Channels without live views never imports the live runtime.
//
// # Errors
//
// Verifying reports [ErrExpired] for a genuine token older than its max
// age, so a caller can ask the user to sign in again, and [ErrInvalid] for
// everything else: forged, altered, truncated, malformed, signed for
// another salt or with another secret, signed more than a second in the
// future, longer than 64 KiB, or carrying data that does not decode as the
// requested type. Signatures are compared in constant time, and nothing
// panics on hostile input (the verifier is fuzzed).
//
// # Format
//
// A token is three parts in unpadded base64url joined by dots: the name of
// the algorithm ("HS256"), the payload and its MAC.
//
//	SFMyNTY.<signed-at in Unix ms, 8 bytes big-endian ‖ data>.<HMAC-SHA256(key, everything before the last dot)>
//
// where the key is [DeriveKey] of the secret and the salt
// (PBKDF2-HMAC-SHA256, 1000 iterations, 32 bytes). The prefix, the key
// derivation, the MAC and the encoding are Phoenix.Token's; the payload
// is not (Phoenix encodes an Erlang term), so tokens are not
// interchangeable with Elixir's: a Phoenix server cannot verify templive's
// tokens, nor templive Phoenix's.
package token
