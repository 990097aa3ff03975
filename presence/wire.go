package presence

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// The messages replicas exchange over the PubSub. A replica only ever sends
// its own entries, so every entry in a message belongs to From and carries
// just its clock.

const (
	kindHeartbeat = "heartbeat" // State is a delta, or nil; Clock says how far From is
	kindTransfer  = "transfer"  // State is From's full state, sent to one node
	kindRequest   = "request"   // From asks To for its full state
	kindLeave     = "leave"     // From is closing: drop its entries now
)

// message is the one type a Tracker broadcasts to its peers.
type message[M any] struct {
	Kind  string        `json:"kind"`
	From  string        `json:"from"`
	To    string        `json:"to,omitempty"`
	Clock uint64        `json:"clock"`
	State *wireState[M] `json:"state,omitempty"`
}

// wireState is a delta or a full state of one replica.
type wireState[M any] struct {
	// Seen is the highest clock of From up to which every dot is covered.
	Seen uint64 `json:"seen,omitempty"`
	// After is set on deltas and on the parts of a full state sent in
	// several messages: they cover the clocks after After up to Seen.
	After uint64 `json:"after,omitempty"`
	// Dots are the other dots of From covered beyond Seen, mostly those of
	// removed entries; the dots of Entries are covered too.
	Dots    []uint64       `json:"dots,omitempty"`
	Entries []wireEntry[M] `json:"entries,omitempty"`
}

type wireEntry[M any] struct {
	Clock   uint64 `json:"c"`
	Topic   string `json:"t"`
	Key     string `json:"k"`
	Ref     string `json:"r"`
	PrevRef string `json:"p,omitempty"`
	Meta    M      `json:"m"`
}

// encodeState turns a delta or an extract of replica's own entries into its
// wire form. It reads only s, which the caller owns.
func encodeState[M any](s *state[M], replica string) *wireState[M] {
	w := &wireState[M]{Seen: s.ctx.vv[replica], After: s.from[replica]}
	own := s.values[replica]
	for d := range s.ctx.cloud {
		if d.Replica == replica && own[d.Clock] == nil {
			w.Dots = append(w.Dots, d.Clock)
		}
	}
	w.Entries = make([]wireEntry[M], 0, len(own))
	for clock, e := range own {
		w.Entries = append(w.Entries, wireEntry[M]{
			Clock: clock, Topic: e.topic, Key: e.key, Ref: e.ref, PrevRef: e.prevRef, Meta: e.meta,
		})
	}
	return w
}

// maxClock bounds the clocks decodeState accepts.
const maxClock = 1 << 62

// decodeState rebuilds the state that w describes for replica, checking
// what a merge relies on.
func decodeState[M any](w *wireState[M], replica string) (*state[M], error) {
	// Clocks count the changes of one replica: no honest one comes near
	// 2^62, and a forged one that high would make every later change of
	// that replica look already seen.
	if w.Seen >= maxClock || w.After >= maxClock {
		return nil, fmt.Errorf("presence: state from %s: clock %d out of range", replica, w.Seen)
	}
	s := newDelta[M](replica)
	if w.Seen > 0 {
		s.ctx.vv[replica] = w.Seen
	}
	if w.After > 0 {
		if w.After >= w.Seen {
			return nil, fmt.Errorf("presence: state from %s: bad range %d-%d", replica, w.After, w.Seen)
		}
		s.from = map[string]uint64{replica: w.After}
	}
	for _, c := range w.Dots {
		if c == 0 {
			return nil, fmt.Errorf("presence: state from %s: dot with clock 0", replica)
		}
		if c <= w.After {
			// Below the range, where vv says nothing: an old dot removed.
			s.ctx.cloud[dot{replica, c}] = struct{}{}
			continue
		}
		s.ctx.add(dot{replica, c})
	}
	if len(w.Entries) > 0 {
		s.values[replica] = make(map[uint64]*entry[M], len(w.Entries))
	}
	for _, we := range w.Entries {
		if we.Clock <= w.After {
			return nil, fmt.Errorf("presence: state from %s: entry %d outside its range", replica, we.Clock)
		}
		d := dot{replica, we.Clock}
		s.ctx.add(d)
		s.values[replica][we.Clock] = &entry[M]{
			topic: we.Topic, key: we.Key, ref: we.Ref, prevRef: we.PrevRef, meta: we.Meta, dot: d,
		}
	}
	return s, nil
}

// parts splits full, the extract of replica's own entries at clock, into
// states of at most size entries and about maxPartBytes of JSON each, so
// that no message grows with the number of presences or the size of their
// metas (brokers limit message sizes: NATS to 1 MB by default). Each part
// is authoritative for a range of clocks, so parts merged in order amount
// to the full state, and a lost part leaves the receiver behind, to ask
// again, rather than wrong. An entry too big for any message is left out
// and counted in skipped.
func parts[M any](full *state[M], replica string, clock uint64, size int) (out []*wireState[M], skipped int) {
	own := full.values[replica]
	clocks := slices.Sorted(maps.Keys(own))
	var after uint64
	for {
		w := &wireState[M]{After: after}
		bytes, n := 0, 0
		for ; n < len(clocks) && n < size; n++ {
			e := own[clocks[n]]
			we := wireEntry[M]{Clock: clocks[n], Topic: e.topic, Key: e.key, Ref: e.ref, PrevRef: e.prevRef, Meta: e.meta}
			b := entryBytes(we)
			if b > maxPartBytes {
				skipped++
				continue
			}
			if bytes+b > maxPartBytes && len(w.Entries) > 0 {
				break
			}
			bytes += b
			w.Entries = append(w.Entries, we)
		}
		w.Seen = clock
		if n < len(clocks) {
			w.Seen = clocks[n-1]
		}
		out = append(out, w)
		clocks = clocks[n:]
		if len(clocks) == 0 {
			return out, skipped
		}
		after = w.Seen
	}
}

// maxPartBytes bounds the JSON of the entries of one replication message,
// well under the smallest broker limit (NATS: 1 MB by default).
const maxPartBytes = 256 << 10

// entryBytes returns about how many bytes of JSON e takes.
func entryBytes[M any](e wireEntry[M]) int {
	b, err := json.Marshal(e)
	if err != nil {
		return maxPartBytes + 1 // not sendable: the codec would fail on it too
	}
	return len(b)
}
