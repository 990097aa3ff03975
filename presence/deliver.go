package presence

import (
	"log/slog"
	"slices"
)

// deliver runs on the Tracker's goroutine: it fetches and broadcasts the
// queued diffs, in order, until Close.
func (t *Tracker[M]) deliver() {
	for {
		diffs, ok := t.out.take()
		if !ok {
			return
		}
		t.fetchDiffs(diffs)
		for _, d := range diffs {
			t.ps.LocalBroadcast(d.Topic, d)
		}
	}
}

// fetchDiffs passes the diffs through Options.Fetch with one call per
// topic: the joins and leaves of all the diffs of a topic, together. The
// union it builds shares each key's metas with the diffs, so what Fetch
// changes in it is changed in them.
func (t *Tracker[M]) fetchDiffs(diffs []Diff[M]) {
	if t.fetch == nil {
		return
	}
	byTopic := make(map[string][]Presences[M])
	var topics []string
	for _, d := range diffs {
		if _, ok := byTopic[d.Topic]; !ok {
			topics = append(topics, d.Topic)
		}
		byTopic[d.Topic] = append(byTopic[d.Topic], d.Joins, d.Leaves)
	}
	for _, topic := range topics {
		all := union(byTopic[topic])
		if err := t.fetch(t.ctx, topic, all); err != nil {
			t.log.Error("fetch for a diff failed; delivering it unenriched",
				slog.String("topic", topic), slog.Any("error", err))
		}
	}
}

// union returns the presences of ps together, key by key, and points each
// presence of ps at its part of the union's metas.
func union[M any](ps []Presences[M]) Presences[M] {
	sizes := make(map[string]int)
	for _, p := range ps {
		for key, pr := range p {
			sizes[key] += len(pr.Metas)
		}
	}
	all := make(Presences[M], len(sizes))
	for _, p := range ps {
		for key, pr := range p {
			metas := all[key].Metas
			if metas == nil {
				metas = make([]Meta[M], 0, sizes[key])
			}
			start := len(metas)
			metas = append(metas, pr.Metas...)
			all[key] = Presence[M]{Metas: metas}
			p[key] = Presence[M]{Metas: slices.Clip(metas[start:])}
		}
	}
	return all
}
