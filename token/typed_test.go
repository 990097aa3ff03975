package token

import (
	"errors"
	"testing"
	"time"
)

func TestTypedTokens(t *testing.T) {
	t.Parallel()
	type session struct {
		View   string
		UserID int
	}
	s := NewSigner(testSecret)
	tok, err := Sign(s, "live session", session{View: "counter", UserID: 7})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Verify[session](s, "live session", tok, time.Minute)
	if err != nil || got != (session{View: "counter", UserID: 7}) {
		t.Fatalf("Verify: %+v, %v", got, err)
	}
	if _, err := Verify[int](s, "live session", tok, time.Minute); !errors.Is(err, ErrInvalid) {
		t.Fatalf("data of another type: %v, want ErrInvalid", err)
	}
	if _, err := Sign(s, "live session", func() {}); err == nil {
		t.Fatal("Sign of a value JSON cannot encode: no error")
	}
}
