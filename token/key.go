package token

import (
	"crypto/pbkdf2"
	"crypto/sha256"
)

// pbkdf2Iterations matches Plug.Crypto's key generator.
const pbkdf2Iterations = 1000

// DeriveKey returns the 32-byte key derived from secret for salt: the key a
// [Signer] with that secret signs that salt's tokens with,
// PBKDF2-HMAC-SHA256 with 1000 iterations as Plug.Crypto's key generator
// derives it. It serves MACs of one's own that must be keyed by the same
// secret without sharing a key with any token: give them a salt no token
// uses. DeriveKey is slow by design; derive once and keep the key.
func DeriveKey(secret []byte, salt string) []byte {
	k, err := pbkdf2.Key(sha256.New, string(secret), []byte(salt), pbkdf2Iterations, 32)
	if err != nil {
		// pbkdf2.Key fails only for key lengths FIPS mode rejects; 32 is
		// always allowed.
		panic("token: pbkdf2: " + err.Error())
	}
	return k
}
