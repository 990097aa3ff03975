package bytediff

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestCommonPrefixAndSuffix(t *testing.T) {
	long := bytes.Repeat([]byte("abcdefgh"), 100) // past one block
	for _, tc := range []struct {
		a, b           []byte
		prefix, suffix int
	}{
		{nil, nil, 0, 0},
		{[]byte("abc"), []byte("abc"), 3, 3},
		{[]byte("abXc"), []byte("abYc"), 2, 1},
		{[]byte("ab"), []byte("abc"), 2, 0},
		{append(append([]byte{}, long...), 'x'), append(append([]byte{}, long...), 'y'), len(long), 0},
		{append([]byte{'x'}, long...), append([]byte{'y'}, long...), 0, len(long)},
	} {
		if got := CommonPrefix(tc.a, tc.b); got != tc.prefix {
			t.Errorf("CommonPrefix(%.20q…, %.20q…) = %d, want %d", tc.a, tc.b, got, tc.prefix)
		}
		if got := CommonSuffix(tc.a, tc.b); got != tc.suffix {
			t.Errorf("CommonSuffix(%.20q…, %.20q…) = %d, want %d", tc.a, tc.b, got, tc.suffix)
		}
	}
}

// TestAroundIsThePrefixAndSuffixOfTheWhole checks Around against the
// comparison of the whole slices, for every head and tail they do share.
func TestAroundIsThePrefixAndSuffixOfTheWhole(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = "ab<"[r.IntN(3)]
		}
		return b
	}
	for range 500 {
		head, tail := word(r.IntN(600)), word(r.IntN(600))
		a := slices.Concat(head, word(r.IntN(8)), tail)
		b := slices.Concat(head, word(r.IntN(8)), tail)
		pre := CommonPrefix(a, b)
		suf := CommonSuffix(a[pre:], b[pre:])
		for _, h := range []int{0, len(head) / 2, len(head)} {
			for _, tl := range []int{0, len(tail) / 3, len(tail)} {
				if p, s := Around(a, b, h, tl); p != pre || s != suf {
					t.Fatalf("Around(%q, %q, %d, %d) = %d, %d, want %d, %d", a, b, h, tl, p, s, pre, suf)
				}
			}
		}
	}
}
