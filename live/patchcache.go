package live

import (
	"bytes"
	"hash/maphash"
	"sync"
)

// patchCacheSize is how many (old, new) render pairs a server remembers
// the patch of.
const patchCacheSize = 64

// A patchCache shares patches between the views of a server. A patch
// depends only on the HTML the browser has and the HTML of the new render,
// so when a broadcast moves a thousand views that showed the same page to
// the same new page — a dashboard, a counter, a room's member list — the
// first view parses and diffs, and the others reuse its patch.
//
// It holds references to the views' own HTML, which renders never modify,
// and checks them byte for byte on a hit, so a hash collision can only cost
// a miss. It is safe for concurrent use.
type patchCache struct {
	seed maphash.Seed

	mu      sync.Mutex // guards entries, ring, next
	entries map[uint64]patchEntry
	ring    [patchCacheSize]uint64 // keys, oldest first from next
	next    int
}

type patchEntry struct {
	old, new, patch []byte
}

func newPatchCache() *patchCache {
	return &patchCache{seed: maphash.MakeSeed(), entries: make(map[uint64]patchEntry, patchCacheSize)}
}

func (c *patchCache) key(old, new []byte) uint64 {
	return maphash.Bytes(c.seed, old)*31 ^ maphash.Bytes(c.seed, new)
}

// get returns the encoded patch from old to new, if known, and the key
// to put it under otherwise.
func (c *patchCache) get(old, new []byte) ([]byte, uint64, bool) {
	k := c.key(old, new)
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || !bytes.Equal(e.old, old) || !bytes.Equal(e.new, new) {
		return nil, k, false
	}
	return e.patch, k, true
}

// put remembers the encoded patch from old to new, whose key get
// returned, forgetting the oldest entry when full.
func (c *patchCache) put(k uint64, old, new, patch []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.entries[k]; ok {
		return
	}
	delete(c.entries, c.ring[c.next])
	c.ring[c.next] = k
	c.next = (c.next + 1) % patchCacheSize
	c.entries[k] = patchEntry{old: old, new: new, patch: patch}
}
