package live

import (
	"bytes"
	"encoding/binary"
	"hash/maphash"
	"sync"

	"github.com/templive/templive/internal/bytediff"
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

// key hashes where old and new differ: the bytes between their common
// prefix and suffix, with the prefix's length and theirs. Consecutive
// renders of a big page share almost all of it, and hashing only the rest
// costs what the change costs. Pairs that differ elsewhere only collide,
// which costs a miss.
func (c *patchCache) key(old, new []byte, same unchanged) uint64 {
	pre, suf := bytediff.Around(old, new, same.head, same.tail)
	var h maphash.Hash
	h.SetSeed(c.seed)
	var n [24]byte
	binary.LittleEndian.PutUint64(n[0:], uint64(len(old)))
	binary.LittleEndian.PutUint64(n[8:], uint64(len(new)))
	binary.LittleEndian.PutUint64(n[16:], uint64(pre))
	h.Write(n[:])
	h.Write(old[pre : len(old)-suf])
	h.WriteByte(0)
	h.Write(new[pre : len(new)-suf])
	return h.Sum64()
}

// get returns the encoded patch from old to new, if known, and the key
// to put it under otherwise. same says what old and new are known to
// share.
func (c *patchCache) get(old, new []byte, same unchanged) ([]byte, uint64, bool) {
	k := c.key(old, new, same)
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
