package presence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/templive/templive/internal/jsonstr"
)

// A Meta is one tracked presence of a key: the metadata M given to
// [Tracker.Track] or [Tracker.Update], with the refs that identify it.
//
// It marshals to Phoenix's wire shape: the fields of M flattened next to
// "phx_ref" and, after an update, "phx_ref_prev". M must therefore marshal
// to a JSON object (a struct or a map), and must not have fields of its own
// named phx_ref or phx_ref_prev.
type Meta[M any] struct {
	// Ref identifies this meta across the cluster (phx_ref). Every track and
	// every update makes a new one.
	Ref string
	// PrevRef is the ref of the meta this one replaced (phx_ref_prev), or ""
	// if it was tracked rather than updated.
	PrevRef string
	// Value is the metadata.
	Value M
}

// MarshalJSON encodes m as {"phx_ref": …, "phx_ref_prev": …, …fields of Value}.
func (m Meta[M]) MarshalJSON() ([]byte, error) {
	value, err := json.Marshal(m.Value)
	if err != nil {
		return nil, fmt.Errorf("presence: marshal meta %s: %w", m.Ref, err)
	}
	value = bytes.TrimSpace(value)
	if bytes.Equal(value, []byte("null")) {
		value = []byte("{}")
	}
	if len(value) < 2 || value[0] != '{' {
		return nil, fmt.Errorf("presence: marshal meta %s: %w: %T is not a JSON object", m.Ref, ErrMetaNotObject, m.Value)
	}
	b := make([]byte, 0, len(value)+64)
	b = append(b, `{"phx_ref":`...)
	b = jsonstr.Append(b, m.Ref)
	if m.PrevRef != "" {
		b = append(b, `,"phx_ref_prev":`...)
		b = jsonstr.Append(b, m.PrevRef)
	}
	if rest := bytes.TrimSpace(value[1:]); len(rest) > 0 && rest[0] != '}' {
		b = append(b, ',')
	}
	return append(b, value[1:]...), nil
}

// UnmarshalJSON decodes the wire shape MarshalJSON produces; fields other
// than the refs are decoded into Value.
func (m *Meta[M]) UnmarshalJSON(data []byte) error {
	var refs struct {
		Ref     string `json:"phx_ref"`
		PrevRef string `json:"phx_ref_prev"`
	}
	if err := json.Unmarshal(data, &refs); err != nil {
		return fmt.Errorf("presence: unmarshal meta: %w", err)
	}
	var value M
	if err := json.Unmarshal(data, &value); err != nil {
		return fmt.Errorf("presence: unmarshal meta %s: %w", refs.Ref, err)
	}
	*m = Meta[M]{Ref: refs.Ref, PrevRef: refs.PrevRef, Value: value}
	return nil
}

// A Presence is everything tracked under one key of a topic: one meta per
// track, so a user with two tabs open has two. It marshals to
// {"metas": [...]}, the shape Phoenix clients expect.
type Presence[M any] struct {
	Metas []Meta[M] `json:"metas"`
}

// Presences maps the keys of a topic to their presences. It marshals to
// Phoenix's presence_state payload: {"<key>": {"metas": [...]}}.
type Presences[M any] map[string]Presence[M]

// MarshalJSON encodes p as a JSON object, {} when p is nil.
func (p Presences[M]) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte("{}"), nil
	}
	return json.Marshal(map[string]Presence[M](p))
}

// Keys returns the keys of p, sorted.
func (p Presences[M]) Keys() []string {
	return slices.Sorted(maps.Keys(p))
}

// Sync applies d to p, the way the phoenix JavaScript client's syncDiff
// does: joins first, then leaves, matching metas by ref, so applying a diff
// twice, or a join p already holds, changes nothing. A key whose last meta
// leaves is deleted. A view keeps the result of [Tracker.List] up to date
// this way as diffs arrive.
func (p Presences[M]) Sync(d Diff[M]) {
	for key, joined := range d.Joins {
		cur := p[key].Metas
		metas := make([]Meta[M], 0, len(cur)+len(joined.Metas))
		for _, m := range cur {
			if !hasRef(joined.Metas, m.Ref) {
				metas = append(metas, m)
			}
		}
		p[key] = Presence[M]{Metas: append(metas, joined.Metas...)}
	}
	for key, left := range d.Leaves {
		cur, ok := p[key]
		if !ok {
			continue
		}
		metas := slices.DeleteFunc(slices.Clone(cur.Metas), func(m Meta[M]) bool { return hasRef(left.Metas, m.Ref) })
		if len(metas) == 0 {
			delete(p, key)
			continue
		}
		p[key] = Presence[M]{Metas: metas}
	}
}

func hasRef[M any](metas []Meta[M], ref string) bool {
	return slices.ContainsFunc(metas, func(m Meta[M]) bool { return m.Ref == ref })
}

// A Diff is what changed on a topic: the metas that joined and those that
// left, grouped by key; either map may be nil. A [Tracker] delivers each Diff to the topic's local
// subscribers as a Diff[M] value, so a view type-switches on
// presence.Diff[RoomMeta]. An update appears as a leave of the old meta and
// a join of the new one, whose PrevRef is the old Ref.
//
// Every subscriber of the topic receives the same Diff value, so it must be
// treated as read-only; [Presences.Sync] copies what it keeps.
//
// It marshals to Phoenix's presence_diff payload: {"joins": {…}, "leaves": {…}}.
type Diff[M any] struct {
	// Topic is the topic the diff is about. It is not part of the JSON.
	Topic  string       `json:"-"`
	Joins  Presences[M] `json:"joins"`
	Leaves Presences[M] `json:"leaves"`

	// seq is the Diff's position in its Tracker's stream, for [Batch];
	// zero for a Diff made elsewhere.
	seq uint64
}

// IsEmpty reports whether d has neither joins nor leaves.
func (d Diff[M]) IsEmpty() bool {
	return len(d.Joins) == 0 && len(d.Leaves) == 0
}

// group turns entries into presences by key, metas ordered by dot. It
// returns nil for no entries; a nil Presences still marshals to {}.
func group[M any](es []*entry[M]) Presences[M] {
	if len(es) == 0 {
		return nil
	}
	sortEntries(es)
	p := make(Presences[M], len(es))
	for _, e := range es {
		pr := p[e.key]
		pr.Metas = append(pr.Metas, e.toMeta())
		p[e.key] = pr
	}
	return p
}

func (e *entry[M]) toMeta() Meta[M] {
	return Meta[M]{Ref: e.ref, PrevRef: e.prevRef, Value: e.meta}
}

// diffOf builds the diff of one topic from entries that joined and left.
func diffOf[M any](topic string, joins, leaves []*entry[M]) Diff[M] {
	return Diff[M]{Topic: topic, Joins: group(joins), Leaves: group(leaves)}
}

// diffsByTopic splits joins and leaves spanning several topics into one
// diff per topic, in topic order.
func diffsByTopic[M any](joins, leaves []*entry[M]) []Diff[M] {
	type pair struct{ joins, leaves []*entry[M] }
	byTopic := make(map[string]*pair)
	at := func(topic string) *pair {
		p := byTopic[topic]
		if p == nil {
			p = &pair{}
			byTopic[topic] = p
		}
		return p
	}
	for _, e := range joins {
		p := at(e.topic)
		p.joins = append(p.joins, e)
	}
	for _, e := range leaves {
		p := at(e.topic)
		p.leaves = append(p.leaves, e)
	}
	diffs := make([]Diff[M], 0, len(byTopic))
	for _, topic := range slices.Sorted(maps.Keys(byTopic)) {
		p := byTopic[topic]
		diffs = append(diffs, diffOf(topic, p.joins, p.leaves))
	}
	return diffs
}
