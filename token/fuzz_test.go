package token

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"
)

// FuzzVerify feeds the verifier whatever a client could send as a token: it
// must classify every error, never panic, and accept only genuine tokens.
func FuzzVerify(f *testing.F) {
	s := NewSigner(testSecret)
	f.Add(s.Sign("salt", []byte("data")))
	f.Add("SFMyNTY..")
	f.Add("SFMyNTY.AAAAAAAAAAA.")
	f.Fuzz(func(t *testing.T, token string) {
		data, err := s.Verify("salt", token, time.Hour)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrExpired) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		// Only genuine tokens verify: re-signing the data at the moment
		// the token carries must give back the very token.
		head := token[len(prefix):strings.LastIndexByte(token, '.')]
		payload, err := base64.RawURLEncoding.DecodeString(head)
		if err != nil {
			t.Fatalf("accepted %q with an undecodable payload: %v", token, err)
		}
		signedAt := time.UnixMilli(int64(binary.BigEndian.Uint64(payload)))
		if again := s.SignAt("salt", data, signedAt); again != token {
			t.Fatalf("accepted %q, but its data signs as %q", token, again)
		}
	})
}
