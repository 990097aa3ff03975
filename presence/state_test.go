package presence

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// view is a state reduced to what must converge: its visible entries and
// its causal context, in a printable, comparable form.
func view[M any](s *state[M]) string {
	var b strings.Builder
	var es []*entry[M]
	for rep, byClock := range s.values {
		if rep == s.replica {
			continue // in own, below
		}
		for _, e := range byClock {
			es = append(es, e)
		}
	}
	for _, e := range s.own() {
		es = append(es, e)
	}
	sortEntries(es)
	for _, e := range es {
		fmt.Fprintf(&b, "%s:%d %s/%s %s<-%s %v\n", e.dot.Replica, e.dot.Clock, e.topic, e.key, e.ref, e.prevRef, e.meta)
	}
	for _, r := range slices.Sorted(maps.Keys(s.ctx.vv)) {
		fmt.Fprintf(&b, "vv %s=%d\n", r, s.ctx.vv[r])
	}
	var cloud []dot
	for d := range s.ctx.cloud {
		cloud = append(cloud, d)
	}
	slices.SortFunc(cloud, dot.compare)
	fmt.Fprintf(&b, "cloud %v\n", cloud)
	return b.String()
}

// keysOf returns "topic/key=ref,…" for the entries, sorted.
func keysOf[M any](es []*entry[M]) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.topic+"/"+e.key+"="+e.ref)
	}
	slices.Sort(out)
	return out
}

func TestStateMerge(t *testing.T) {
	t.Parallel()
	merge := func(a, b *state[int]) (joins, leaves []string) {
		j, l := b.merge(a.extract())
		return keysOf(j), keysOf(l)
	}
	tests := []struct {
		name          string
		do            func(a *state[int]) // changes made on replica a
		before        func(a *state[int]) // changes b has already merged
		joins, leaves []string
		wantOnB       int
		wantVVOfAOnB  uint64
	}{
		{
			name:    "an entry the other replica has not seen is a join",
			do:      func(a *state[int]) { a.add("room:1", "alice", "r1", "", 1) },
			joins:   []string{"room:1/alice=r1"},
			wantOnB: 1, wantVVOfAOnB: 1,
		},
		{
			name: "an entry removed after the other replica saw it is a leave",
			before: func(a *state[int]) {
				a.add("room:1", "alice", "r1", "", 1)
			},
			do: func(a *state[int]) {
				a.remove(a.own()[1])
			},
			leaves:  []string{"room:1/alice=r1"},
			wantOnB: 0, wantVVOfAOnB: 2,
		},
		{
			name:   "an update is a leave of the old meta and a join of the new one",
			before: func(a *state[int]) { a.add("room:1", "alice", "r1", "", 1) },
			do: func(a *state[int]) {
				old := a.own()[1]
				a.remove(old)
				a.add("room:1", "alice", "r2", old.ref, 2)
			},
			joins:   []string{"room:1/alice=r2"},
			leaves:  []string{"room:1/alice=r1"},
			wantOnB: 1, wantVVOfAOnB: 3,
		},
		{
			name: "an entry added and removed before the other replica looked is neither",
			do: func(a *state[int]) {
				e := a.add("room:1", "alice", "r1", "", 1)
				a.add("room:1", "bob", "r2", "", 1)
				a.remove(e)
			},
			joins:   []string{"room:1/bob=r2"},
			wantOnB: 1, wantVVOfAOnB: 3,
		},
		{
			name:         "merging what was already merged changes nothing",
			before:       func(a *state[int]) { a.add("room:1", "alice", "r1", "", 1) },
			do:           func(a *state[int]) {},
			wantOnB:      1,
			wantVVOfAOnB: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := newState[int]("a", false)
			b := newState[int]("b", false)
			if tt.before != nil {
				tt.before(a)
				merge(a, b)
			}
			tt.do(a)
			joins, leaves := merge(a, b)
			if !slices.Equal(joins, tt.joins) || !slices.Equal(leaves, tt.leaves) {
				t.Errorf("merge reported joins %v, leaves %v; want %v, %v", joins, leaves, tt.joins, tt.leaves)
			}
			if got := len(b.values["a"]); got != tt.wantOnB {
				t.Errorf("b holds %d entries of a, want %d", got, tt.wantOnB)
			}
			if got := b.ctx.vv["a"]; got != tt.wantVVOfAOnB {
				t.Errorf("b has seen a up to %d, want %d", got, tt.wantVVOfAOnB)
			}
			if len(b.ctx.cloud) != 0 {
				t.Errorf("b's cloud is %v, want it empty after a full state", b.ctx.cloud)
			}
		})
	}
}

func TestStateMergeNeverChangesOwnEntries(t *testing.T) {
	t.Parallel()
	a := newState[int]("a", false)
	e := a.add("room:1", "alice", "r1", "", 1)
	// A state claiming to have seen a's dot without its entry must not make
	// a drop its own entry: a is the only authority on it.
	forged := newDelta[int]("b")
	forged.ctx.add(e.dot)
	joins, leaves := a.merge(forged)
	if len(joins)+len(leaves) != 0 || a.own()[e.dot.Clock] != e {
		t.Fatalf("merge changed a's own entry: joins %v, leaves %v", keysOf(joins), keysOf(leaves))
	}
}

func TestStateDownReplica(t *testing.T) {
	t.Parallel()
	a := newState[int]("a", false)
	b := newState[int]("b", false)
	a.add("room:1", "alice", "r1", "", 1)
	b.merge(a.extract())

	if got := keysOf(b.setDown("a", true)); !slices.Equal(got, []string{"room:1/alice=r1"}) {
		t.Fatalf("setDown(true) returned %v, want alice's entry as a leave", got)
	}
	if b.visible(b.values["a"][1]) {
		t.Fatal("an entry of a down replica is visible")
	}
	if got := b.setDown("a", true); got != nil {
		t.Fatalf("setDown(true) twice returned %v, want nothing", keysOf(got))
	}
	// While down, its state merges silently.
	a.add("room:1", "bob", "r2", "", 1)
	if joins, _ := b.merge(a.extract()); len(joins) != 0 {
		t.Fatalf("merge of a down replica reported joins %v", keysOf(joins))
	}
	if got := keysOf(b.setDown("a", false)); !slices.Equal(got, []string{"room:1/alice=r1", "room:1/bob=r2"}) {
		t.Fatalf("setDown(false) returned %v, want alice and bob as joins", got)
	}
	if n := b.dropReplica("a"); n != 2 || b.size() != 0 {
		t.Fatalf("dropReplica dropped %d, left %d; want 2 and 0", n, b.size())
	}
	// a is forgotten: if it comes back, its entries join afresh.
	if joins, _ := b.merge(a.extract()); len(joins) != 2 {
		t.Fatalf("merge after dropReplica reported joins %v, want alice and bob", keysOf(joins))
	}
}

// history runs random operations on replica name and returns the state and
// the deltas taken along the way.
func history(rng *rand.Rand, name string, ops int) (*state[int], []*state[int]) {
	s := newState[int](name, true)
	var deltas []*state[int]
	var live []*entry[int]
	for i := range ops {
		switch n := rng.IntN(10); {
		case n < 5 || len(live) == 0:
			key := fmt.Sprintf("u%d", rng.IntN(8))
			topic := fmt.Sprintf("t%d", rng.IntN(3))
			live = append(live, s.add(topic, key, fmt.Sprintf("%s-%d", name, i), "", i))
		case n < 8:
			j := rng.IntN(len(live))
			s.remove(live[j])
			live = slices.Delete(live, j, j+1)
		default:
			j := rng.IntN(len(live))
			old := live[j]
			s.remove(old)
			live[j] = s.add(old.topic, old.key, fmt.Sprintf("%s-%d", name, i), old.ref, i)
		}
		if rng.IntN(4) == 0 {
			if d := s.takeDelta(); d != nil {
				deltas = append(deltas, d)
			}
		}
	}
	if d := s.takeDelta(); d != nil {
		deltas = append(deltas, d)
	}
	return s, deltas
}

func TestStateMergeProperties(t *testing.T) {
	t.Parallel()
	for seed := range uint64(50) {
		rng := rand.New(rand.NewPCG(seed, 1))
		a, aDeltas := history(rng, "a", 40)
		b, bDeltas := history(rng, "b", 40)
		c, _ := history(rng, "c", 40)
		fresh := func() *state[int] { return newState[int]("x", false) }
		mergeAll := func(parts ...*state[int]) *state[int] {
			s := fresh()
			for _, p := range parts {
				s.merge(p)
			}
			return s
		}
		A, B, C := a.extract(), b.extract(), c.extract()

		if got, want := view(mergeAll(A, B)), view(mergeAll(B, A)); got != want {
			t.Fatalf("seed %d: merge is not commutative:\n%s\nvs\n%s", seed, got, want)
		}
		if got, want := view(mergeAll(A, A, B, B)), view(mergeAll(A, B)); got != want {
			t.Fatalf("seed %d: merge is not idempotent:\n%s\nvs\n%s", seed, got, want)
		}
		ab := mergeAll(A, B)
		bc := mergeAll(B, C)
		left := fresh()
		left.merge(ab)
		left.merge(C)
		right := fresh()
		right.merge(A)
		right.merge(bc)
		if view(left) != view(right) {
			t.Fatalf("seed %d: merge is not associative:\n%s\nvs\n%s", seed, view(left), view(right))
		}

		// Deltas delivered in any order, some twice, end where the full
		// states do, and the joins and leaves they report, applied in order,
		// give exactly the entries of the result.
		deltas := slices.Concat(aDeltas, bDeltas, aDeltas[:len(aDeltas)/2])
		rng.Shuffle(len(deltas), func(i, j int) { deltas[i], deltas[j] = deltas[j], deltas[i] })
		got := fresh()
		seen := make(map[string]bool)
		for _, d := range deltas {
			joins, leaves := got.merge(d)
			for _, e := range joins {
				if seen[e.ref] {
					t.Fatalf("seed %d: %s joined twice", seed, e.ref)
				}
				seen[e.ref] = true
			}
			for _, e := range leaves {
				if !seen[e.ref] {
					t.Fatalf("seed %d: %s left without joining", seed, e.ref)
				}
				delete(seen, e.ref)
			}
		}
		want := mergeAll(A, B)
		if view(got) != view(want) {
			t.Fatalf("seed %d: deltas out of order did not converge:\n%s\nwant\n%s", seed, view(got), view(want))
		}
		var refs []string
		for _, byClock := range got.values {
			for _, e := range byClock {
				refs = append(refs, e.ref)
			}
		}
		if !maps.Equal(seen, toSet(refs)) {
			t.Fatalf("seed %d: reported joins minus leaves are %v, the state holds %v", seed, seen, refs)
		}
		// A state that has seen everything has no cloud left.
		if len(got.ctx.cloud) != 0 {
			t.Fatalf("seed %d: cloud %v left after every delta arrived", seed, got.ctx.cloud)
		}
	}
}

func toSet(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func TestStateTopicIndex(t *testing.T) {
	t.Parallel()
	s := newState[int]("a", false)
	e1 := s.add("room:1", "alice", "r1", "", 1)
	e2 := s.add("room:1", "alice", "r2", "", 2)
	s.add("room:2", "bob", "r3", "", 3)
	if got := len(chain(s.topics["room:1"]["alice"], nil)); got != 2 {
		t.Fatalf("alice has %d entries on room:1, want 2 (two tabs)", got)
	}
	e3 := s.add("room:1", "alice", "r4", "", 4)
	s.remove(e1)
	if got := chain(s.topics["room:1"]["alice"], nil); len(got) != 2 || got[0] != e2 || got[1] != e3 {
		t.Fatalf("after removing the first of three, alice has %v, want r2 and r4 in order", keysOf(got))
	}
	s.remove(e3)
	s.remove(e2)
	if _, ok := s.topics["room:1"]; ok {
		t.Fatal("an empty topic stayed in the index")
	}
	if got := len(s.topics["room:2"]); got != 1 {
		t.Fatalf("room:2 has %d keys, want 1", got)
	}
}

func TestStateLargeMergeLeavesNoEmptyTopics(t *testing.T) {
	t.Parallel()
	a := newState[int]("a", false)
	var es []*entry[int]
	for i := range 1100 {
		es = append(es, a.add(fmt.Sprintf("t%d", i%3), fmt.Sprint(i), fmt.Sprint(i), "", i))
	}
	old := a.extract()
	b := newState[int]("b", false)
	b.merge(old)
	for _, e := range es {
		a.remove(e)
	}
	if _, leaves := b.merge(a.extract()); len(leaves) != 1100 {
		t.Fatalf("got %d leaves, want 1100", len(leaves))
	}
	// The stale state arrives late: every entry in it was seen, and removed.
	if joins, _ := b.merge(old); len(joins) != 0 || len(b.topics) != 0 {
		t.Fatalf("a stale state joined %d entries and left topics %v", len(joins), slices.Collect(maps.Keys(b.topics)))
	}
}
