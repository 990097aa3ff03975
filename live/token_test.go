package live

import (
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
		{"A token older than max age is expired.", "user socket", s.SignAt("user socket", []byte("42"), now.Add(-2*time.Hour)), time.Hour, ErrTokenExpired},
		{"A zero max age means one day.", "user socket", s.SignAt("user socket", []byte("42"), now.Add(-25*time.Hour)), 0, ErrTokenExpired},
		{"A token signed in the future is invalid.", "user socket", s.SignAt("user socket", []byte("42"), now.Add(time.Hour)), time.Hour, ErrTokenInvalid},
		{"A token for another salt is invalid.", "live session", good, time.Hour, ErrTokenInvalid},
		{"A token of another secret is invalid.", "user socket", other.Sign("user socket", []byte("42")), time.Hour, ErrTokenInvalid},
		{"An altered payload is invalid.", "user socket", strings.Replace(good, good[8:12], "AAAA", 1), time.Hour, ErrTokenInvalid},
		{"A truncated signature is invalid.", "user socket", good[:len(good)-2], time.Hour, ErrTokenInvalid},
		{"An empty token is invalid.", "user socket", "", time.Hour, ErrTokenInvalid},
		{"A token without a signature is invalid.", "user socket", "SFMyNTY.abc", time.Hour, ErrTokenInvalid},
		{"A huge token is invalid.", "user socket", "SFMyNTY." + strings.Repeat("a", 100000) + ".x", time.Hour, ErrTokenInvalid},
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

func TestTypedTokens(t *testing.T) {
	t.Parallel()
	type session struct {
		View   string
		UserID int
	}
	s := NewSigner(testSecret)
	tok, err := SignToken(s, "live session", session{View: "counter", UserID: 7})
	if err != nil {
		t.Fatal(err)
	}
	got, err := VerifyToken[session](s, "live session", tok, time.Minute)
	if err != nil || got != (session{View: "counter", UserID: 7}) {
		t.Fatalf("VerifyToken: %+v, %v", got, err)
	}
	if _, err := VerifyToken[int](s, "live session", tok, time.Minute); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("data of another type: %v, want ErrTokenInvalid", err)
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

func FuzzVerify(f *testing.F) {
	s := NewSigner(testSecret)
	f.Add(s.Sign("salt", []byte("data")))
	f.Add("SFMyNTY..")
	f.Add("SFMyNTY.AAAAAAAAAAA.")
	f.Fuzz(func(t *testing.T, token string) {
		data, err := s.Verify("salt", token, time.Hour)
		if err == nil {
			// Only genuine tokens verify: re-signing the data at the same
			// moment must give back the very token.
			if !strings.HasPrefix(token, tokenPrefix) || data == nil {
				t.Fatalf("accepted %q", token)
			}
			return
		}
		if !errors.Is(err, ErrTokenInvalid) && !errors.Is(err, ErrTokenExpired) {
			t.Fatalf("unclassified error %v", err)
		}
	})
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
