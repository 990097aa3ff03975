package presence

import (
	"cmp"
	"maps"
	"slices"
)

// This file holds the replicated state of a Tracker: a delta-state
// observed-remove set, the CRDT Phoenix.Tracker uses. It is pure (no locks,
// no clocks, no I/O) so that replication only has to move deltas and full
// states between nodes and merge what arrives.
//
// Every node runs one replica, named by the node name and an incarnation id
// that is new each time the Tracker starts. A replica owns the entries it
// tracked: only it adds or removes them. Each add takes the next value of
// the replica's clock and tags the entry with that dot (replica, clock). The
// causal context records every dot a state has seen, added or removed. On a
// merge, a remote entry whose dot the local context has not seen is a join;
// a local entry whose dot the remote context has seen but whose entry the
// remote lacks was removed there, and is a leave. An update removes the old
// dot and adds a new one, so it reaches other replicas as a leave and a join.
//
// Removes take a clock value too (a dot with no entry), so every change
// moves the clock. A replica's delta is therefore the whole range of clocks
// since its previous delta, plus the dots of older entries it removed; a
// full state sent in parts is a sequence of such ranges.

// A dot names one change: the replica that made it and that replica's
// clock. The dot of an add tags the entry it added.
type dot struct {
	Replica string `json:"r"`
	Clock   uint64 `json:"c"`
}

func (d dot) compare(o dot) int {
	if c := cmp.Compare(d.Replica, o.Replica); c != 0 {
		return c
	}
	return cmp.Compare(d.Clock, o.Clock)
}

// causalContext is the set of dots a state has seen: for each replica every
// clock from 1 to vv[replica], plus the dots beyond a gap in cloud. In a
// delta or a part of a full state, vv[r] counts from state.from[r] instead
// of from 1.
type causalContext struct {
	vv    map[string]uint64
	cloud map[dot]struct{}
}

func newCausalContext() causalContext {
	return causalContext{vv: make(map[string]uint64), cloud: make(map[dot]struct{})}
}

func (c *causalContext) contains(d dot) bool {
	if d.Clock <= c.vv[d.Replica] {
		return true
	}
	_, ok := c.cloud[d]
	return ok
}

// add records d as seen, folding the cloud into the version vector while the
// dots that follow it are contiguous.
func (c *causalContext) add(d dot) {
	n := c.vv[d.Replica]
	switch {
	case d.Clock <= n:
		return
	case d.Clock > n+1:
		c.cloud[d] = struct{}{}
		return
	}
	n++
	for {
		next := dot{d.Replica, n + 1}
		if _, ok := c.cloud[next]; !ok {
			break
		}
		delete(c.cloud, next)
		n++
	}
	c.vv[d.Replica] = n
}

// join adds every dot of o, except those of replica skip. For a replica
// r with from[r] > 0, o.vv[r] only covers the clocks after from[r]. If c
// has not seen up to from[r], the dots of that range go to the cloud, where
// they wait for the ones in between; a range too long for that is left
// out, and c stays behind until it is sent a full state.
func (c *causalContext) join(o *causalContext, skip string, from map[string]uint64) {
	for r, n := range o.vv {
		if r == skip || n <= c.vv[r] {
			continue
		}
		if lo := from[r]; lo > c.vv[r] {
			if n-lo <= maxCloudFill {
				// Counted from lo, so that a clock near the top of uint64
				// cannot wrap the loop around.
				for i := uint64(1); i <= n-lo; i++ {
					c.add(dot{r, lo + i})
				}
			}
			continue
		}
		c.vv[r] = n
		// Dots the cloud held below the new mark are now redundant, and the
		// ones just above it may have become contiguous.
		c.compact(r)
	}
	for d := range o.cloud {
		if d.Replica != skip {
			c.add(d)
		}
	}
}

// maxCloudFill bounds the dots one join may add to a cloud for a range.
const maxCloudFill = 10_000

func (c *causalContext) compact(r string) {
	n := c.vv[r]
	for d := range c.cloud {
		if d.Replica == r && d.Clock <= n {
			delete(c.cloud, d)
		}
	}
	for {
		next := dot{r, n + 1}
		if _, ok := c.cloud[next]; !ok {
			break
		}
		delete(c.cloud, next)
		n++
	}
	c.vv[r] = n
}

// entry is one tracked presence: one meta of one key on one topic.
type entry[M any] struct {
	topic, key string
	ref        string // phx_ref, unique across the cluster
	prevRef    string // phx_ref_prev: the ref this entry replaced, if any
	meta       M
	dot        dot
	// next links the entries of one topic and key in the index of the
	// one state that holds this entry, so every state that indexes
	// entries owns them: merges copy what they index.
	next *entry[M]
}

// chain walks the entries of one key of a topic, linked through next, and
// appends them to es ordered by dot.
func chain[M any](head *entry[M], es []*entry[M]) []*entry[M] {
	start := len(es)
	for e := head; e != nil; e = e.next {
		es = append(es, e)
	}
	if len(es)-start > 1 {
		sortEntries(es[start:])
	}
	return es
}

// state is a replica's view of every replica's entries.
//
// A state that records deltas (see newState) also accumulates, in delta, the
// adds and removes it made itself since the last takeDelta; a delta is a
// state with no delta of its own and usually no topic index.
type state[M any] struct {
	replica string
	clock   uint64 // the last clock this replica gave to one of its changes
	ctx     causalContext
	values  map[string]map[uint64]*entry[M] // replica → clock → entry; see indexedOwn
	topics  map[string]map[string]*entry[M] // topic → key → first entry; nil in deltas
	down    map[string]struct{}             // replicas whose entries are hidden
	delta   *state[M]                       // nil unless deltas are recorded
	// borrowed is set on a delta or extract whose entries belong to the
	// state it came from: a merge copies them rather than index them.
	borrowed bool
	// from is set on one part of a full state sent in parts: for each
	// replica, the part is authoritative only for the clocks after from[r]
	// up to ctx.vv[r].
	from map[string]uint64
	// detached is set on a part that does not follow the previous part of
	// the same full state, one having been lost. The part is still
	// authoritative for its entries, but its context says nothing of the
	// clocks before it, so it is not merged: the receiver stays behind.
	detached bool
}

// newState returns the empty state of replica. With recordDeltas, local adds
// and removes are also collected for takeDelta.
func newState[M any](replica string, recordDeltas bool) *state[M] {
	s := &state[M]{
		replica: replica,
		ctx:     newCausalContext(),
		values:  make(map[string]map[uint64]*entry[M]),
		topics:  make(map[string]map[string]*entry[M]),
		down:    make(map[string]struct{}),
	}
	if recordDeltas {
		s.delta = s.newLocalDelta()
	}
	return s
}

// newLocalDelta starts the delta of the changes after the current clock.
// Every change moves the clock, so the delta is authoritative for the range
// of clocks from there on, which its from and vv say; only the dots of older
// entries it removes need to be listed, in its cloud.
func (s *state[M]) newLocalDelta() *state[M] {
	d := newDelta[M](s.replica)
	d.from = map[string]uint64{s.replica: s.clock}
	return d
}

func newDelta[M any](replica string) *state[M] {
	return &state[M]{
		replica: replica,
		ctx:     newCausalContext(),
		values:  make(map[string]map[uint64]*entry[M]),
	}
}

// size returns the number of entries, hidden or not.
func (s *state[M]) size() int {
	n := 0
	for _, byClock := range s.values {
		n += len(byClock)
	}
	if s.topics != nil {
		n += len(s.own())
	}
	return n
}

// get returns the entry with dot d, if s holds it. In an indexed state it
// does not find the state's own entries; see indexedOwn.
func (s *state[M]) get(d dot) *entry[M] {
	return s.values[d.Replica][d.Clock]
}

// own returns the entries of s's own replica by clock.
func (s *state[M]) own() map[uint64]*entry[M] {
	if s.topics == nil {
		return s.values[s.replica]
	}
	own := make(map[uint64]*entry[M])
	for _, byKey := range s.topics {
		for _, head := range byKey {
			for e := head; e != nil; e = e.next {
				if e.dot.Replica == s.replica {
					own[e.dot.Clock] = e
				}
			}
		}
	}
	return own
}

// indexedOwn reports whether e is an entry of s's own replica in a state
// with a topic index. Those are kept in the index only: merges never look
// up the state's own entries by dot, so for the entries that are most
// numerous on a node, its own, the values map would only cost memory.
func (s *state[M]) indexedOwn(e *entry[M]) bool {
	return s.topics != nil && e.dot.Replica == s.replica
}

// insert stores e under its dot and indexes it; it does not touch the
// causal context.
func (s *state[M]) insert(e *entry[M]) {
	if !s.indexedOwn(e) {
		byClock := s.values[e.dot.Replica]
		if byClock == nil {
			byClock = make(map[uint64]*entry[M])
			s.values[e.dot.Replica] = byClock
		}
		byClock[e.dot.Clock] = e
	}
	s.index(e)
}

// index adds e to the topic index, if s has one.
func (s *state[M]) index(e *entry[M]) {
	if s.topics == nil {
		return
	}
	byKey := s.topics[e.topic]
	if byKey == nil {
		byKey = make(map[string]*entry[M])
		s.topics[e.topic] = byKey
	}
	e.next = byKey[e.key]
	byKey[e.key] = e
}

// delete drops e from the values and the index; the causal context keeps
// its dot, which is what makes the removal observable.
func (s *state[M]) delete(e *entry[M]) {
	if !s.indexedOwn(e) {
		byClock := s.values[e.dot.Replica]
		delete(byClock, e.dot.Clock)
		if len(byClock) == 0 {
			delete(s.values, e.dot.Replica)
		}
	}
	if s.topics == nil {
		return
	}
	byKey := s.topics[e.topic]
	head := byKey[e.key]
	if head == e {
		head = e.next
	} else {
		for p := head; p != nil; p = p.next {
			if p.next == e {
				p.next = e.next
				break
			}
		}
	}
	e.next = nil
	switch {
	case head != nil:
		byKey[e.key] = head
	case len(byKey) > 1:
		delete(byKey, e.key)
	default:
		delete(s.topics, e.topic)
	}
}

// add makes a local add: it tags a new entry with the next dot of this
// replica and returns it.
func (s *state[M]) add(topic, key, ref, prevRef string, meta M) *entry[M] {
	s.clock++
	e := &entry[M]{topic: topic, key: key, ref: ref, prevRef: prevRef, meta: meta, dot: dot{s.replica, s.clock}}
	s.insert(e)
	s.ctx.add(e.dot)
	if s.delta != nil {
		s.delta.insert(e)
		s.delta.ctx.vv[s.replica] = s.clock
	}
	return e
}

// remove makes a local remove of e, an entry of this replica.
//
// A remove also takes the next clock value, a dot with no entry. It changes
// nothing for the set, but it means every change moves the clock, so a
// replica that compares a heartbeat's clock with what it has seen notices a
// lost delta even when that delta only removed entries.
func (s *state[M]) remove(e *entry[M]) {
	s.delete(e)
	s.clock++
	tomb := dot{s.replica, s.clock}
	s.ctx.add(tomb)
	if s.delta != nil {
		// An add and its remove in the same delta cancel out: the dot is
		// in the delta's range, which says it was seen.
		if de := s.delta.get(e.dot); de != nil {
			s.delta.delete(de)
		}
		if e.dot.Clock <= s.delta.from[s.replica] {
			s.delta.ctx.cloud[e.dot] = struct{}{}
		}
		s.delta.ctx.vv[s.replica] = s.clock
	}
}

// takeDelta returns the local changes recorded since the last call, or nil
// if there were none, and starts a new delta.
func (s *state[M]) takeDelta() *state[M] {
	if s.delta == nil || s.delta.ctx.vv[s.replica] == 0 {
		return nil
	}
	d := s.delta
	d.borrowed = true
	s.delta = s.newLocalDelta()
	return d
}

// extract returns the full state of this replica's own entries, with the
// context that makes it authoritative for them: what a node sends to a
// replica that is new or behind. Entries are shared with s, and must be
// treated as immutable.
func (s *state[M]) extract() *state[M] {
	out := newDelta[M](s.replica)
	out.borrowed = true
	if s.clock > 0 {
		out.ctx.vv[s.replica] = s.clock
	}
	if own := s.own(); len(own) > 0 {
		out.values[s.replica] = maps.Clone(own)
	}
	return out
}

// merge folds a remote state or delta into s and returns the entries it
// added (joins) and removed (leaves). Entries of down replicas are merged
// but not reported. Entries of s's own replica are never changed by a merge:
// a replica is the only authority on the entries it owns.
//
// Merging is idempotent, commutative and associative on the resulting
// entries and context, so deltas may arrive late, twice or out of order.
func (s *state[M]) merge(r *state[M]) (joins, leaves []*entry[M]) {
	// Leaves first: the entries about to join are all in r, so they could
	// never be leaves, and need not be looked at.
	removed := func(e *entry[M]) {
		s.delete(e)
		if _, isDown := s.down[e.dot.Replica]; !isDown {
			leaves = append(leaves, e)
		}
	}
	for rep, n := range r.ctx.vv {
		if rep == s.replica {
			continue
		}
		lo := r.from[rep]
		for clock, e := range s.values[rep] {
			if clock > lo && clock <= n && r.values[rep][clock] == nil {
				removed(e)
			}
		}
	}
	for d := range r.ctx.cloud {
		if d.Replica == s.replica {
			continue
		}
		if e := s.get(d); e != nil && r.get(d) == nil {
			removed(e)
		}
	}
	for rep, byClock := range r.values {
		if rep == s.replica {
			continue
		}
		if len(byClock) == 0 {
			continue
		}
		local := s.values[rep]
		if local == nil {
			local = make(map[uint64]*entry[M], len(byClock))
			s.values[rep] = local
		}
		joins = slices.Grow(joins, len(byClock))
		reserved := s.reserve(byClock)
		_, isDown := s.down[rep]
		seen := s.ctx.vv[rep]
		// A range that does not follow on from what s has seen does not
		// extend its context (see causalContext.join), so the dots of its
		// entries are recorded one by one.
		gap := r.detached || r.from[rep] > seen
		for clock, e := range byClock {
			if clock <= seen || len(s.ctx.cloud) > 0 && s.ctx.contains(dot{rep, clock}) {
				// Either we hold it already, or we have seen it removed.
				continue
			}
			if r.borrowed && s.topics != nil {
				c := *e
				c.next = nil
				e = &c
			}
			local[clock] = e // rep is not s's replica: see indexedOwn
			s.index(e)
			if gap {
				s.ctx.add(e.dot)
			}
			if !isDown {
				joins = append(joins, e)
			}
		}
		for _, topic := range reserved {
			if len(s.topics[topic]) == 0 {
				delete(s.topics, topic)
			}
		}
	}
	if !r.detached {
		s.ctx.join(&r.ctx, s.replica, r.from)
	}
	return joins, leaves
}

// reserve sizes the index maps of the topics that es would create, so that
// a large transfer does not grow them step by step, and returns those
// topics: the caller deletes any that stay empty.
func (s *state[M]) reserve(es map[uint64]*entry[M]) []string {
	if s.topics == nil || len(es) < 1024 {
		return nil
	}
	counts := make(map[string]int)
	for _, e := range es {
		counts[e.topic]++
	}
	var created []string
	for topic, n := range counts {
		if s.topics[topic] == nil {
			s.topics[topic] = make(map[string]*entry[M], n)
			created = append(created, topic)
		}
	}
	return created
}

// setDown hides or shows the entries of replica rep, and returns the entries
// that became hidden (to report as leaves) or visible (joins). The entries
// are kept either way: a replica that comes back is not duplicated.
func (s *state[M]) setDown(rep string, down bool) []*entry[M] {
	if _, was := s.down[rep]; was == down || rep == s.replica {
		return nil
	}
	if down {
		s.down[rep] = struct{}{}
	} else {
		delete(s.down, rep)
	}
	return slices.Collect(maps.Values(s.values[rep]))
}

// dropReplica forgets rep: it discards its entries, without reporting them,
// and the dots of rep it had seen, and returns how many entries there were.
// If rep ever sends its full state again, its entries join afresh.
func (s *state[M]) dropReplica(rep string) int {
	if rep == s.replica {
		return 0
	}
	es := slices.Collect(maps.Values(s.values[rep]))
	for _, e := range es {
		s.delete(e)
	}
	delete(s.down, rep)
	delete(s.ctx.vv, rep)
	for d := range s.ctx.cloud {
		if d.Replica == rep {
			delete(s.ctx.cloud, d)
		}
	}
	return len(es)
}

// visible reports whether e's replica is up.
func (s *state[M]) visible(e *entry[M]) bool {
	_, isDown := s.down[e.dot.Replica]
	return !isDown
}

// sortEntries orders entries by dot, for reproducible output.
func sortEntries[M any](es []*entry[M]) {
	slices.SortFunc(es, func(a, b *entry[M]) int { return a.dot.compare(b.dot) })
}
