package presence

import (
	"encoding/base64"
	"testing"
	"time"
)

func TestRefsAreUniqueAndURLSafe(t *testing.T) {
	t.Parallel()
	a, b := newRefs("n1#x"), newRefs("n2#y")
	now := time.Unix(0, 42) // one instant for all: only hash and counter differ
	seen := make(map[string]bool)
	for range 1000 {
		for _, r := range []string{a.next(now), b.next(now)} {
			if seen[r] {
				t.Fatalf("ref %s made twice", r)
			}
			seen[r] = true
			raw, err := base64.URLEncoding.DecodeString(r)
			if err != nil || len(raw) != 12 || len(r) != 16 {
				t.Fatalf("ref %q is not the url-safe base64 of 12 bytes: %v", r, err)
			}
		}
	}
}
