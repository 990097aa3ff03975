package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"time"
)

// DefaultMaxAge is the age after which [Signer.Verify] reports [ErrExpired]
// when it is given a max age of zero. It matches Phoenix.Token's default of
// one day.
const DefaultMaxAge = 24 * time.Hour

// prefix names the algorithm, like Phoenix's "SFMyNTY." (base64 of
// "HS256"). The payload after it is templive's own, so tokens are not
// interchangeable with Elixir's.
const prefix = "SFMyNTY."

// minSecretLen is the shortest secret NewSigner accepts: 32 bytes, the size
// of an HMAC-SHA256 key.
const minSecretLen = 32

// maxLen bounds the work Verify does on hostile input.
const maxLen = 64 << 10

// A Signer signs and verifies tokens in the manner of Phoenix.Token: the
// data is readable by anyone holding the token but cannot be forged or
// altered without the secret. Each salt derives its own key
// (PBKDF2-HMAC-SHA256, 1000 iterations), so a token signed for one purpose
// ("user socket") never verifies for another ("live session"). The package
// documentation gives the format.
//
// A Signer is safe for concurrent use. Derived keys are cached per salt.
type Signer struct {
	secret []byte

	mu   sync.Mutex        // guards keys
	keys map[string][]byte // salt → derived key
}

// NewSigner returns a Signer keyed by secret. It panics if secret is shorter
// than 32 bytes: a short secret is a programming error, not a runtime
// condition.
func NewSigner(secret []byte) *Signer {
	if len(secret) < minSecretLen {
		panic(fmt.Sprintf("token: NewSigner needs a secret of at least %d bytes, got %d", minSecretLen, len(secret)))
	}
	return &Signer{secret: append([]byte(nil), secret...), keys: make(map[string][]byte)}
}

// key returns the key derived from the secret for salt.
func (s *Signer) key(salt string) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[salt]; ok {
		return k
	}
	k := DeriveKey(s.secret, salt)
	s.keys[salt] = k
	return k
}

// Sign returns a token carrying data, signed now for salt.
func (s *Signer) Sign(salt string, data []byte) string {
	return s.SignAt(salt, data, time.Now())
}

// SignAt is like [Signer.Sign] with an explicit signing time, for tokens
// whose age should count from an earlier moment, and for tests.
func (s *Signer) SignAt(salt string, data []byte, signedAt time.Time) string {
	payload := make([]byte, 8, 8+len(data))
	binary.BigEndian.PutUint64(payload, uint64(signedAt.UnixMilli()))
	payload = append(payload, data...)
	head := prefix + base64.RawURLEncoding.EncodeToString(payload)
	return head + "." + base64.RawURLEncoding.EncodeToString(s.mac(salt, head))
}

func (s *Signer) mac(salt, head string) []byte {
	m := hmac.New(sha256.New, s.key(salt))
	m.Write([]byte(head))
	return m.Sum(nil)
}

// Verify checks token against salt and returns its data. It reports
// [ErrInvalid] for anything forged, altered, malformed, signed for another
// salt or signed in the future, and [ErrExpired] for a genuine token older
// than maxAge (zero means [DefaultMaxAge]).
func (s *Signer) Verify(salt, token string, maxAge time.Duration) ([]byte, error) {
	return s.verifyAt(salt, token, maxAge, time.Now())
}

func (s *Signer) verifyAt(salt, token string, maxAge time.Duration, now time.Time) ([]byte, error) {
	if len(token) > maxLen || !strings.HasPrefix(token, prefix) {
		return nil, ErrInvalid
	}
	dot := strings.LastIndexByte(token, '.')
	if dot <= len(prefix) {
		return nil, ErrInvalid
	}
	head, sig := token[:dot], token[dot+1:]
	// The base64 decoder skips CR and LF, so a token with a line break
	// in its signature would verify as well as the token itself: one
	// token, one spelling.
	if !base64URL(sig) {
		return nil, ErrInvalid
	}
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(salt, head)) {
		return nil, ErrInvalid
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(head[len(prefix):])
	if err != nil || len(payload) < 8 {
		return nil, ErrInvalid
	}
	signedAt := time.UnixMilli(int64(binary.BigEndian.Uint64(payload)))
	// A token from the future was not signed by this clock: refuse it
	// rather than let it live longer than maxAge. One second of slack
	// absorbs clock steps between nodes.
	if signedAt.After(now.Add(time.Second)) {
		return nil, ErrInvalid
	}
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	if now.Sub(signedAt) > maxAge {
		return nil, ErrExpired
	}
	return payload[8:], nil
}

// base64URL reports whether s holds only characters of the base64url
// alphabet, without padding.
func base64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
