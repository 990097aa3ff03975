package presence

import "log/slog"

// deliver runs on the Tracker's goroutine: it fetches and broadcasts each
// queued diff, in order, until Close.
func (t *Tracker[M]) deliver() {
	for {
		diffs, ok := t.out.take()
		if !ok {
			return
		}
		for _, d := range diffs {
			t.fetchDiff(&d)
			t.ps.LocalBroadcast(d.Topic, d)
		}
	}
}

// fetchDiff passes the joins and leaves of d through Options.Fetch in one
// call. The union it builds shares each key's metas with d, so what Fetch
// changes in it is changed in d.
func (t *Tracker[M]) fetchDiff(d *Diff[M]) {
	if t.fetch == nil {
		return
	}
	all := make(Presences[M], len(d.Joins)+len(d.Leaves))
	for key, j := range d.Joins {
		all[key] = j
	}
	for key, l := range d.Leaves {
		j, ok := all[key]
		if !ok {
			all[key] = l
			continue
		}
		n := len(j.Metas)
		metas := append(append(make([]Meta[M], 0, n+len(l.Metas)), j.Metas...), l.Metas...)
		all[key] = Presence[M]{Metas: metas}
		d.Joins[key] = Presence[M]{Metas: metas[:n:n]}
		d.Leaves[key] = Presence[M]{Metas: metas[n:]}
	}
	if err := t.fetch(t.ctx, d.Topic, all); err != nil {
		t.log.Error("presence: fetch for a diff failed; delivering it unenriched",
			slog.String("topic", d.Topic), slog.Any("error", err))
	}
}
