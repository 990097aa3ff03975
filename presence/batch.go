package presence

import "time"

// A Batch holds the Diffs of one topic that a subscriber has received but
// not yet passed on, to its client or to its list, merged into one: a
// burst of changes then costs one presence_diff push, or one render,
// rather than one per change, and a meta that joins and leaves within the
// burst costs nothing. [Tracker.ListBatch] returns one together with the
// list it starts from.
//
// The Diff that [Batch.Take] returns has the effect of every Diff added
// since the last Take, applied in order, when applied to what the
// subscriber holds with [Presences.Sync] or the phoenix client's
// syncDiff: for each meta (by ref) only its last change counts, a join
// making it present with its value and a leave making it absent. A meta
// that joined after the last Take and leaves before the next is left out
// altogether. That is exact because the Batch knows where its list stands
// in the Tracker's stream of Diffs: it skips the Diffs the list already
// holds (the Tracker delivers Diffs after the change, so a Diff may arrive
// after a List that reflects it), and the Tracker reports a join only for
// a meta that was absent, so the subscriber cannot hold a meta whose first
// change in the Batch is a join.
//
// A Batch is not safe for concurrent use: it belongs to the goroutine of
// one view or channel, which adds the Diffs it receives and takes the
// merged one when it is ready to send.
type Batch[M any] struct {
	topic   string
	after   uint64 // the position in the Tracker's stream that the list holds
	every   time.Duration
	last    time.Time // when the last Diff was taken
	refs    map[string]int
	pending []change[M] // in the order the metas first changed
}

// change is the last change of one meta since the last Take.
type change[M any] struct {
	key    string
	meta   Meta[M]
	joined bool // present after the change; absent if false
	unseen bool // the subscriber did not hold the meta at the last Take
	gone   bool // joined and left since the last Take: nothing to send
}

func newBatch[M any](topic string, after uint64, every time.Duration) *Batch[M] {
	return &Batch[M]{topic: topic, after: after, every: every, refs: map[string]int{}}
}

// Add merges d into the batch. Diffs of other topics, and those the list
// the batch started from already holds, are ignored.
func (b *Batch[M]) Add(d Diff[M]) {
	if d.Topic != b.topic || d.seq != 0 && d.seq <= b.after {
		return
	}
	// A Diff from another source than the Tracker gives no such
	// guarantee that its joins are new to the subscriber.
	fromTracker := d.seq != 0
	// Joins first, then leaves, as Sync applies them: a meta in both
	// leaves.
	for _, key := range d.Joins.Keys() {
		for _, m := range d.Joins[key].Metas {
			b.note(key, m, true, fromTracker)
		}
	}
	for _, key := range d.Leaves.Keys() {
		for _, m := range d.Leaves[key].Metas {
			b.note(key, m, false, fromTracker)
		}
	}
}

// note records that the meta m of key joined or left.
func (b *Batch[M]) note(key string, m Meta[M], joined, fromTracker bool) {
	if joined && m.PrevRef != "" {
		// A meta replacing one the subscriber has not seen (an update of
		// an update within the batch) replaces, for the subscriber, what
		// that one replaced: the phoenix client matches phx_ref_prev with
		// the refs it holds.
		if i, ok := b.refs[m.PrevRef]; ok && b.pending[i].unseen && b.pending[i].joined {
			m.PrevRef = b.pending[i].meta.PrevRef
		}
	}
	i, ok := b.refs[m.Ref]
	if !ok {
		b.refs[m.Ref] = len(b.pending)
		b.pending = append(b.pending, change[M]{key: key, meta: m, joined: joined, unseen: joined && fromTracker})
		return
	}
	c := &b.pending[i]
	if !joined && c.unseen {
		// Joined and left since the last Take: the subscriber never needs
		// to hear of it. Should the meta join again (a peer back from
		// down), it is a new change.
		delete(b.refs, m.Ref)
		*c = change[M]{gone: true}
		return
	}
	c.meta, c.joined = m, joined
}

// Take returns the merged Diff of what was added since the last Take, and
// empties the batch, unless less than the batch's interval has passed
// since the last Diff it returned: then ok is false and wait says how long
// to wait before taking again. ok is false and wait zero when nothing is
// to be sent, including when everything added cancelled out.
func (b *Batch[M]) Take(now time.Time) (d Diff[M], wait time.Duration, ok bool) {
	if len(b.pending) == 0 {
		return Diff[M]{}, 0, false
	}
	if next := b.last.Add(b.every); !b.last.IsZero() && now.Before(next) {
		return Diff[M]{}, next.Sub(now), false
	}
	d = Diff[M]{Topic: b.topic}
	for _, c := range b.pending {
		switch {
		case c.gone:
		case c.joined:
			d.Joins = appendMeta(d.Joins, c.key, c.meta)
		case !c.unseen:
			d.Leaves = appendMeta(d.Leaves, c.key, c.meta)
		}
	}
	clear(b.refs)
	clear(b.pending)
	b.pending = b.pending[:0]
	if cap(b.pending) > maxSparePending {
		b.pending = nil
	}
	if d.IsEmpty() {
		return Diff[M]{}, 0, false
	}
	b.last = now
	return d, 0, true
}

// maxSparePending is the largest pending slice a Batch keeps after a
// Take, so that it does not keep the memory of its largest burst.
const maxSparePending = 64

func appendMeta[M any](p Presences[M], key string, m Meta[M]) Presences[M] {
	if p == nil {
		p = Presences[M]{}
	}
	pr := p[key]
	pr.Metas = append(pr.Metas, m)
	p[key] = pr
	return p
}
