// Package bytediff finds where two byte slices start and stop differing:
// what a new render shares with the last one.
package bytediff

import "bytes"

// block is the run compared at once first: bytes.Equal compares it with
// vector instructions, and the bytes compared are most of a page.
const block = 256

// CommonPrefix returns the length of the common prefix of a and b.
func CommonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+block <= n && bytes.Equal(a[i:i+block], b[i:i+block]) {
		i += block
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

// CommonSuffix returns the length of the common suffix of a and b.
func CommonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+block <= n && bytes.Equal(a[len(a)-i-block:len(a)-i], b[len(b)-i-block:len(b)-i]) {
		i += block
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}

// Around returns the common prefix of a and b, and the common suffix of
// what follows it: CommonPrefix(a, b) and CommonSuffix(a[pre:], b[pre:]).
// a and b are known to share their first head bytes and their last tail
// bytes, which it does not compare again: when only a small part of a
// page was rendered again, it costs what that part does. A head and tail
// that overlap in either are ignored.
func Around(a, b []byte, head, tail int) (pre, suf int) {
	if head < 0 || tail < 0 || head+tail > min(len(a), len(b)) {
		head, tail = 0, 0
	}
	pre = head + CommonPrefix(a[head:], b[head:])
	if ea, eb := len(a)-tail, len(b)-tail; pre <= ea && pre <= eb {
		// The suffix is the tail and what precedes it in common.
		return pre, tail + CommonSuffix(a[pre:ea], b[pre:eb])
	}
	return pre, CommonSuffix(a[pre:], b[pre:])
}
