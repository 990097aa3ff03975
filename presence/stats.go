package presence

// Stats are counters of a [Tracker], for metrics.
type Stats struct {
	// Joins and Leaves count the presences (metas) that joined and left
	// a topic, on any node, in the Diffs this Tracker delivered since it
	// was created; an Update counts once in each, as its Diff reports it.
	Joins, Leaves uint64
	// Topics is how many topics have presences now, on every node.
	Topics int
}

// Stats returns the Tracker's counters. It takes the Tracker's lock
// briefly: what it reads is counted as presences change.
func (t *Tracker[M]) Stats() Stats {
	t.mu.Lock()
	defer t.mu.Unlock()
	return Stats{Joins: t.joins, Leaves: t.leaves, Topics: len(t.state.topics)}
}

// metas returns how many metas p holds.
func (p Presences[M]) metas() uint64 {
	var n uint64
	for _, pr := range p {
		n += uint64(len(pr.Metas))
	}
	return n
}
