package live

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// DefaultTokenMaxAge is the age after which [Signer.Verify] reports
// [ErrTokenExpired] when it is given a max age of zero. It matches
// Phoenix.Token's default of one day.
const DefaultTokenMaxAge = 24 * time.Hour

// tokenPrefix names the algorithm, like Phoenix's "SFMyNTY." (base64 of
// "HS256"). The payload after it is templive's own, so tokens are not
// interchangeable with Elixir's.
const tokenPrefix = "SFMyNTY."

// pbkdf2Iterations matches Plug.Crypto's key generator.
const pbkdf2Iterations = 1000

// minSecretLen is the shortest secret NewSigner accepts: 32 bytes, the size
// of an HMAC-SHA256 key.
const minSecretLen = 32

// maxTokenLen bounds the work Verify does on hostile input.
const maxTokenLen = 64 << 10

// A Signer signs and verifies tokens in the manner of Phoenix.Token: the
// data is readable by anyone holding the token but cannot be forged or
// altered without the secret. Each salt derives its own key
// (PBKDF2-HMAC-SHA256, 1000 iterations), so a token signed for one purpose
// ("user socket") never verifies for another ("live session").
//
// A token is "SFMyNTY." + base64url(signed-at ms, 8 bytes big-endian ‖ data)
// + "." + base64url(HMAC-SHA256(key, everything before the second dot)).
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
		panic(fmt.Sprintf("live: NewSigner needs a secret of at least %d bytes, got %d", minSecretLen, len(secret)))
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
	k, err := pbkdf2.Key(sha256.New, string(s.secret), []byte(salt), pbkdf2Iterations, 32)
	if err != nil {
		// pbkdf2.Key fails only for key lengths FIPS mode rejects; 32 is
		// always allowed.
		panic("live: pbkdf2: " + err.Error())
	}
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
	head := tokenPrefix + base64.RawURLEncoding.EncodeToString(payload)
	return head + "." + base64.RawURLEncoding.EncodeToString(s.mac(salt, head))
}

func (s *Signer) mac(salt, head string) []byte {
	m := hmac.New(sha256.New, s.key(salt))
	m.Write([]byte(head))
	return m.Sum(nil)
}

// Verify checks token against salt and returns its data. It reports
// [ErrTokenInvalid] for anything forged, altered, malformed, signed for
// another salt or signed in the future, and [ErrTokenExpired] for a genuine
// token older than maxAge (zero means [DefaultTokenMaxAge]).
func (s *Signer) Verify(salt, token string, maxAge time.Duration) ([]byte, error) {
	return s.verifyAt(salt, token, maxAge, time.Now())
}

func (s *Signer) verifyAt(salt, token string, maxAge time.Duration, now time.Time) ([]byte, error) {
	if len(token) > maxTokenLen || !strings.HasPrefix(token, tokenPrefix) {
		return nil, ErrTokenInvalid
	}
	dot := strings.LastIndexByte(token, '.')
	if dot <= len(tokenPrefix) {
		return nil, ErrTokenInvalid
	}
	head, sig := token[:dot], token[dot+1:]
	got, err := base64.RawURLEncoding.Strict().DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(salt, head)) {
		return nil, ErrTokenInvalid
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(head[len(tokenPrefix):])
	if err != nil || len(payload) < 8 {
		return nil, ErrTokenInvalid
	}
	signedAt := time.UnixMilli(int64(binary.BigEndian.Uint64(payload)))
	// A token from the future was not signed by this clock: refuse it
	// rather than let it live longer than maxAge. One second of slack
	// absorbs clock steps between nodes.
	if signedAt.After(now.Add(time.Second)) {
		return nil, ErrTokenInvalid
	}
	if maxAge <= 0 {
		maxAge = DefaultTokenMaxAge
	}
	if now.Sub(signedAt) > maxAge {
		return nil, ErrTokenExpired
	}
	return payload[8:], nil
}

// SignToken returns a token carrying v encoded as JSON, signed now for salt.
func SignToken[T any](s *Signer, salt string, v T) (string, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("live: sign token: %w", err)
	}
	return s.Sign(salt, data), nil
}

// VerifyToken verifies token like [Signer.Verify] and decodes its JSON data
// into a T. Data that does not decode as a T is reported as
// [ErrTokenInvalid].
func VerifyToken[T any](s *Signer, salt, token string, maxAge time.Duration) (T, error) {
	var v T
	data, err := s.Verify(salt, token, maxAge)
	if err != nil {
		return v, err
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return v, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	return v, nil
}
