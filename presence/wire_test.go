package presence

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
)

// roundTrip sends s through JSON as replica's state, as a peer receives it.
func roundTrip(t testing.TB, s *state[int], replica string) *state[int] {
	t.Helper()
	b, err := json.Marshal(encodeState(s, replica))
	if err != nil {
		t.Fatal(err)
	}
	var w wireState[int]
	if err := json.Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	out, err := decodeState(&w, replica)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestWireStateRoundTrip(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 2))
		a, deltas := history(rng, "a", 30)
		direct := newState[int]("x", false)
		wired := newState[int]("x", false)
		for _, d := range deltas {
			direct.merge(d)
			wired.merge(roundTrip(t, d, "a"))
		}
		if view(direct) != view(wired) {
			t.Fatalf("seed %d: deltas through the wire gave\n%s\nwant\n%s", seed, view(wired), view(direct))
		}
		full := newState[int]("x", false)
		full.merge(roundTrip(t, a.extract(), "a"))
		if view(full) != view(direct) {
			t.Fatalf("seed %d: the full state through the wire gave\n%s\nwant\n%s", seed, view(full), view(direct))
		}
	}
}

func TestLostDeltaLeavesAGap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		lost func(a *state[int], e *entry[int])
	}{
		{"a lost delta that adds", func(a *state[int], e *entry[int]) { a.add("t", "k2", "r2", "", 0) }},
		{"a lost delta that only removes", func(a *state[int], e *entry[int]) { a.remove(e) }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is noticed from the next heartbeat's clock", func(t *testing.T) {
			t.Parallel()
			a := newState[int]("a", true)
			b := newState[int]("b", false)
			e := a.add("t", "k", "r1", "", 0)
			b.merge(a.takeDelta())
			tt.lost(a, e)
			a.takeDelta() // lost in transit
			if b.ctx.vv["a"] >= a.clock {
				t.Fatalf("b has seen a up to %d, a is at %d: the loss is invisible", b.ctx.vv["a"], a.clock)
			}
			b.merge(a.extract())
			if view(b) != view(func() *state[int] { s := newState[int]("b", false); s.merge(a.extract()); return s }()) {
				t.Fatal("the full state did not repair the loss")
			}
		})
	}
}

func TestDecodeStateRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
	}{
		{"an entry with clock 0", `{"entries":[{"c":0,"t":"t","k":"k","r":"r","m":1}]}`},
		{"a dot with clock 0", `{"dots":[0]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var w wireState[int]
			if err := json.Unmarshal([]byte(tt.json), &w); err != nil {
				t.Fatal(err)
			}
			if _, err := decodeState(&w, "a"); err == nil {
				t.Fatal("decodeState accepted it")
			}
		})
	}
}

// FuzzDecodeState feeds arbitrary replication payloads to a state: nothing
// may panic, and a replica's own entries never change.
func FuzzDecodeState(f *testing.F) {
	f.Add([]byte(`{"seen":3,"dots":[5,9],"entries":[{"c":2,"t":"room:1","k":"alice","r":"F1","m":7}]}`))
	f.Add([]byte(`{"entries":[{"c":1,"t":"","k":"","r":"","m":0},{"c":1,"t":"x","k":"y","r":"z","m":1}]}`))
	f.Add([]byte(`{"seen":18446744073709551615}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var w wireState[int]
		if json.Unmarshal(data, &w) != nil {
			return
		}
		s := newState[int]("b", true)
		own := s.add("room:1", "bob", "B1", "", 1)
		for _, from := range []string{"a", "b"} {
			remote, err := decodeState(&w, from)
			if err != nil {
				continue
			}
			s.merge(remote)
			s.merge(remote)
		}
		if s.own()[own.dot.Clock] != own {
			t.Fatal("a merge changed the state's own entry")
		}
	})
}

// decodeParts sends the parts of a's full state through JSON.
func decodeParts(t *testing.T, a *state[int], size int) []*state[int] {
	t.Helper()
	var out []*state[int]
	all, _ := parts(a.extract(), a.replica, a.clock, size)
	for _, p := range all {
		if len(p.Entries) > size {
			t.Fatalf("a part holds %d entries, more than %d", len(p.Entries), size)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var w wireState[int]
		if err := json.Unmarshal(b, &w); err != nil {
			t.Fatal(err)
		}
		s, err := decodeState(&w, a.replica)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func TestTransferParts(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 3))
		a, deltas := history(rng, "a", 60)
		// b has merged some of a's history, c none of it.
		b := newState[int]("b", false)
		for _, d := range deltas[:len(deltas)/2] {
			b.merge(d)
		}
		c := newState[int]("c", false)
		wantB, wantC := newState[int]("b", false), newState[int]("c", false)
		for _, d := range deltas[:len(deltas)/2] {
			wantB.merge(d)
		}
		wantB.merge(a.extract())
		wantC.merge(a.extract())

		for _, size := range []int{1, 3, 1000} {
			for _, s := range []struct {
				got, want *state[int]
			}{{cloneByMerge(b), wantB}, {cloneByMerge(c), wantC}} {
				for _, p := range decodeParts(t, a, size) {
					s.got.merge(p)
				}
				if view(s.got) != view(s.want) {
					t.Fatalf("seed %d, parts of %d: got\n%s\nwant\n%s", seed, size, view(s.got), view(s.want))
				}
			}
		}

		// A lost part leaves the receiver behind, not wrong: it holds no
		// entry of a that is neither a's now nor its own before, it knows it
		// is behind, and the full state repairs it.
		ps := decodeParts(t, a, 2)
		if len(ps) < 3 {
			continue
		}
		got := cloneByMerge(b)
		for i, p := range ps {
			switch {
			case i == 1:
				continue // lost
			case i > 1:
				p.detached = true // as the receiver marks the parts after a gap
			}
			got.merge(p)
		}
		if got.ctx.vv["a"] >= a.clock {
			t.Fatalf("seed %d: a lost part went unnoticed", seed)
		}
		for clock, e := range got.values["a"] {
			if a.own()[clock] == nil && b.values["a"][clock] == nil {
				t.Fatalf("seed %d: after a lost part, b holds %s, which a removed before b heard of it", seed, e.ref)
			}
		}
		got.merge(a.extract())
		if view(got) != view(wantB) {
			t.Fatalf("seed %d: the full state did not repair a lost part", seed)
		}
	}
}

// cloneByMerge returns a copy of s under the same replica name.
func cloneByMerge(s *state[int]) *state[int] {
	c := newState[int](s.replica, false)
	c.merge(s)
	return c
}

func TestStatesWithClocksNearTheTopAreRefused(t *testing.T) {
	t.Parallel()
	for _, w := range []*wireState[struct{}]{
		{After: math.MaxUint64 - 3, Seen: math.MaxUint64},
		{Seen: maxClock},
	} {
		if _, err := decodeState(w, "evil#1"); err == nil {
			t.Errorf("decodeState accepted seen %d", w.Seen)
		}
	}
	// The fill loop itself cannot wrap, whatever reaches it.
	c := &causalContext{vv: map[string]uint64{}, cloud: map[dot]struct{}{}}
	o := &causalContext{vv: map[string]uint64{"r": math.MaxUint64}, cloud: map[dot]struct{}{}}
	c.join(o, "", map[string]uint64{"r": math.MaxUint64 - 3})
	if len(c.cloud) != 3 {
		t.Fatalf("filled %d dots, want 3", len(c.cloud))
	}
}
