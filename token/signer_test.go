package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func TestVerify(t *testing.T) {
	t.Parallel()
	s := NewSigner(testSecret)
	other := NewSigner([]byte("another secret of at least 32 bytes!"))
	now := time.Now()
	good := s.SignAt("user socket", []byte("42"), now.Add(-time.Minute))
	tests := []struct {
		name   string
		salt   string
		token  string
		maxAge time.Duration
		want   error
	}{
		{"A fresh token verifies.", "user socket", good, time.Hour, nil},
		{"A token older than max age is expired.", "user socket", s.SignAt("user socket", []byte("42"), now.Add(-2*time.Hour)), time.Hour, ErrExpired},
		{"A zero max age means one day.", "user socket", s.SignAt("user socket", []byte("42"), now.Add(-25*time.Hour)), 0, ErrExpired},
		{"A token signed in the future is invalid.", "user socket", s.SignAt("user socket", []byte("42"), now.Add(time.Hour)), time.Hour, ErrInvalid},
		{"A token for another salt is invalid.", "live session", good, time.Hour, ErrInvalid},
		{"A token of another secret is invalid.", "user socket", other.Sign("user socket", []byte("42")), time.Hour, ErrInvalid},
		{"An altered payload is invalid.", "user socket", strings.Replace(good, good[8:12], "AAAA", 1), time.Hour, ErrInvalid},
		{"A truncated signature is invalid.", "user socket", good[:len(good)-2], time.Hour, ErrInvalid},
		{"An empty token is invalid.", "user socket", "", time.Hour, ErrInvalid},
		{"A token without a signature is invalid.", "user socket", "SFMyNTY.abc", time.Hour, ErrInvalid},
		{"A huge token is invalid.", "user socket", "SFMyNTY." + strings.Repeat("a", 100000) + ".x", time.Hour, ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := s.Verify(tt.salt, tt.token, tt.maxAge)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify: %v, want %v", err, tt.want)
			}
			if tt.want == nil && string(data) != "42" {
				t.Fatalf("data %q", data)
			}
		})
	}
}

// TestFormat pins the format the package documentation gives: a token
// signed by one version must verify on the next, or a rolling deploy signs
// every user out.
func TestFormat(t *testing.T) {
	t.Parallel()
	s := NewSigner(testSecret)
	signedAt := time.UnixMilli(1700000000000)
	const want = "SFMyNTY.AAABi8_laAAiNDIi.N_1Z_vmgVHdLuPADVXel6y6kBYeFrSyDvzaBEvdmnLo"
	if got := s.SignAt("user socket", []byte(`"42"`), signedAt); got != want {
		t.Fatalf("SignAt = %s, want %s", got, want)
	}
	head := want[:strings.LastIndexByte(want, '.')]
	m := hmac.New(sha256.New, DeriveKey(testSecret, "user socket"))
	m.Write([]byte(head))
	if sig := base64.RawURLEncoding.EncodeToString(m.Sum(nil)); !strings.HasSuffix(want, "."+sig) {
		t.Fatalf("the MAC is not HMAC-SHA256 under DeriveKey(secret, salt)")
	}
	data, err := s.verifyAt("user socket", want, time.Hour, signedAt.Add(time.Minute))
	if err != nil || string(data) != `"42"` {
		t.Fatalf("verifyAt = %q, %v", data, err)
	}
}

func TestNewSignerRejectsShortSecrets(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a short secret")
		}
	}()
	NewSigner([]byte("short"))
}

func BenchmarkVerify(b *testing.B) {
	s := NewSigner(testSecret)
	tok := s.Sign("user socket", []byte("42"))
	for b.Loop() {
		if _, err := s.Verify("user socket", tok, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}
