package channel

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

func TestReadFrameReadsEveryByteAtItsExactSize(t *testing.T) {
	for _, n := range []int{0, 1, scratchSize - 1, scratchSize, scratchSize + 1, 3 * scratchSize, maxPooledScratch + 7} {
		want := bytes.Repeat([]byte("abcdefg"), n/7+1)[:n]
		for name, r := range map[string]io.Reader{
			"plain":    bytes.NewReader(want),
			"one byte": iotest.OneByteReader(bytes.NewReader(want)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(want)),
		} {
			if name == "one byte" && n > 3*scratchSize {
				continue // slow, and no different from the plain reader past the first growth
			}
			got, err := readFrame(r)
			if err != nil {
				t.Fatalf("%d bytes, %s: %v", n, name, err)
			}
			if !bytes.Equal(got, want) || len(got) != cap(got) {
				t.Fatalf("%d bytes, %s: got %d bytes (cap %d), want %d", n, name, len(got), cap(got), n)
			}
		}
	}
}

func TestReadFrameReturnsTheReadersError(t *testing.T) {
	boom := errors.New("boom")
	got, err := readFrame(io.MultiReader(bytes.NewReader([]byte("abc")), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || string(got) != "abc" {
		t.Fatalf("got %q, %v; want the bytes read and boom", got, err)
	}
	// A buffer after a failed read is whole again: the next frame does
	// not see the last one's bytes.
	got, err = readFrame(bytes.NewReader([]byte("xy")))
	if err != nil || string(got) != "xy" {
		t.Fatalf("got %q, %v", got, err)
	}
}
