package presence

import (
	"encoding/base64"
	"encoding/binary"
	"hash/fnv"
	"sync/atomic"
	"time"
)

// refs makes phx_ref values the way Phoenix does: the url-safe base64 of
// 12 bytes, the time in nanoseconds, a 16-bit hash of the replica and a
// 16-bit counter. The time and the counter make refs unique within a
// replica; the hash keeps two replicas that read the same nanosecond apart.
type refs struct {
	hash    uint16
	counter atomic.Uint32
}

func newRefs(replica string) *refs {
	h := fnv.New32a()
	h.Write([]byte(replica)) // a hash never fails to write
	s := h.Sum32()
	return &refs{hash: uint16(s ^ s>>16)}
}

func (r *refs) next(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[0:8], uint64(now.UnixNano()))
	binary.BigEndian.PutUint16(b[8:10], r.hash)
	binary.BigEndian.PutUint16(b[10:12], uint16(r.counter.Add(1)))
	return base64.URLEncoding.EncodeToString(b[:])
}
