package bytediff

import (
	"bytes"
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
