package live

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// maxStreamedItems bounds the stream items whose components a view keeps,
// over all its streams: past it the oldest are forgotten, so a feed that
// grows forever costs a bounded amount of memory whatever its limit.
const maxStreamedItems = 1000

// streamedItem is a stream item whose root element is a component: the
// view keeps the component although its renders no longer render the
// item, until the item leaves the browser's list.
type streamedItem struct {
	stream, id string   // the stream's name and the item's DOM id
	root       *mounted // the component whose root element is the item
	seq        uint64   // when it was last inserted: the oldest go first
}

// itemKey finds a stream item by its stream's name and its DOM id.
type itemKey struct{ stream, id string }

// streamedRoot returns the component whose root element is the stream
// item m is in (m itself, or one it was rendered in), or nil when m is in
// no stream item.
func (m *mounted) streamedRoot() *mounted {
	for p := m; p != nil; p = p.parent {
		if p.item != nil {
			return p
		}
	}
	return nil
}

// keptForItem reports whether sweep must keep m although the render that
// just ended did not render it: m is in a stream item that render did not
// render again, which the browser still shows.
func (cs *components) keptForItem(m *mounted) bool {
	r := m.streamedRoot()
	return r != nil && r.pass != cs.pass
}

// noteItems records the components of the items a render inserted, ends
// those of the items its operations removed, and trims what it keeps to
// maxStreamedItems. It runs once the render's stream operations are
// known; ops are those sent for the stream, in the order the browser
// applies them, and c is its container in the render.
//
// A stream with a limit also keeps the DOM ids of the items the browser
// shows, in order — at most the limit's worth — applying the operations
// as the browser does, so that the components of the items its limit
// trims end when the browser drops them.
func (cs *components) noteItems(stream string, ops []wire.StreamOp, c *render.Node, limit int) error {
	byID := map[string]*render.Node{}
	for i := range c.Children {
		if id, ok := c.Children[i].Attr("id"); ok {
			byID[id] = &c.Children[i]
		}
	}
	order := cs.order[stream]
	for _, op := range ops {
		switch op.Kind {
		case wire.StreamInsert:
			if err := cs.noteItem(stream, op.ID, byID[op.ID]); err != nil {
				return err
			}
			if limit != 0 && !slices.Contains(order, op.ID) {
				at := op.At
				if at < 0 || at > len(order) {
					at = len(order)
				}
				order = slices.Insert(order, at, op.ID)
			}
		case wire.StreamDelete:
			cs.leave(stream, op.ID)
			order = slices.DeleteFunc(order, func(id string) bool { return id == op.ID })
		case wire.StreamReset:
			for _, it := range cs.items {
				if it.stream == stream {
					cs.leave(stream, it.id)
				}
			}
			order = order[:0]
		case wire.StreamLimit:
			keep := order
			if n := op.Limit; n > 0 && len(order) > n {
				keep = order[:n]
			} else if n < 0 && len(order) > -n {
				keep = order[len(order)+n:]
			}
			for _, id := range order {
				if it := cs.items[itemKey{stream, id}]; it != nil && !slices.Contains(keep, id) {
					// The last operation: an item it trims is gone,
					// even one this render inserted.
					cs.dropItem(it)
				}
			}
			order = slices.Clone(keep)
		}
	}
	if limit == 0 {
		delete(cs.order, stream)
	} else {
		if cs.order == nil {
			cs.order = map[string][]string{}
		}
		cs.order[stream] = order
	}
	cs.trimItems(maxStreamedItems)
	return nil
}

// leave ends the component of the stream item id, which the browser no
// longer shows, unless the render that removed it rendered it again:
// then an insert of the same item follows, and it keeps its state, as a
// component a render renders again does.
func (cs *components) leave(stream, id string) {
	if it := cs.items[itemKey{stream, id}]; it != nil && it.root.pass != cs.pass {
		cs.dropItem(it)
	}
}

// noteItem records the component whose root element is the item n that a
// render inserted, if any.
func (cs *components) noteItem(stream, id string, n *render.Node) error {
	if n == nil {
		return nil // trimmed by the limit before it was rendered
	}
	key := itemKey{stream, id}
	old := cs.items[key]
	cid, ok := n.Attr("live-component")
	var m *mounted
	if ok {
		m = cs.byID[cid]
	}
	if m == nil {
		if ok {
			return nil // a component written outside a render of the view
		}
		if inner := firstComponent(n); inner != "" {
			// Rendered alone, the component could not be put back in its
			// item: the item's HTML around it is nowhere on the server.
			return fmt.Errorf("live: component %q is inside item %q of stream %q but is not the item: a component in a stream item must render the item's root element, with the item's id", inner, id, stream)
		}
		if old != nil {
			cs.dropItem(old)
		}
		return nil
	}
	if old != nil && old.root != m {
		cs.dropItem(old)
	}
	if m.item != nil && (m.item.stream != stream || m.item.id != id) {
		// The same component moved to another item: it stays, as the
		// render rendered it, and leaves its old item.
		delete(cs.items, itemKey{m.item.stream, m.item.id})
	}
	if cs.items == nil {
		cs.items = map[itemKey]*streamedItem{}
	}
	cs.itemSeq++
	it := &streamedItem{stream: stream, id: id, root: m, seq: cs.itemSeq}
	cs.items[key] = it
	m.item = it
	return nil
}

// firstComponent returns the id of the first component rendered inside
// n, or "".
func firstComponent(n *render.Node) string {
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type != render.ElementNode {
			continue
		}
		if id, ok := c.Attr("live-component"); ok {
			return id
		}
		if id := firstComponent(c); id != "" {
			return id
		}
	}
	return ""
}

// trimItems ends the components of the oldest items past the newest
// max, whatever their streams.
func (cs *components) trimItems(max int) {
	if len(cs.items) <= max {
		return
	}
	its := slices.Collect(maps.Values(cs.items))
	slices.SortFunc(its, func(a, b *streamedItem) int { return cmp.Compare(b.seq, a.seq) })
	for _, it := range its[max:] {
		cs.dropItem(it)
	}
}

// dropItem forgets the component of a stream item that left, and those
// rendered in it, telling them why.
func (cs *components) dropItem(it *streamedItem) {
	delete(cs.items, itemKey{it.stream, it.id})
	for id, m := range cs.byID {
		if m.streamedRoot() == it.root {
			delete(cs.byID, id)
			terminateComponent(m, ErrComponentRemoved)
		}
	}
	it.root.item = nil
}

// forgetItems forgets every stream item: the view ended, and its
// components with it.
func (cs *components) forgetItems() {
	clear(cs.items)
	clear(cs.order)
}

// takeStreamedParts takes out of vc.parts the components in stream items,
// and returns the items' root components to render alone, in the order
// their callbacks ran.
func (vc *viewChannel) takeStreamedParts() []*mounted {
	var roots []*mounted
	cs := &vc.s.comps
	vc.parts = slices.DeleteFunc(vc.parts, func(id string) bool {
		m := cs.byID[id]
		if m == nil {
			return false
		}
		r := m.streamedRoot()
		if r == nil {
			return false
		}
		if !slices.Contains(roots, r) {
			roots = append(roots, r)
		}
		return true
	})
	return roots
}

// renderItems renders alone each of roots, the components of stream items
// whose own callbacks ran, and returns the stream operations that replace
// their items where they stand. A component whose item left since, or
// that a render of the view since the pass since rendered again already,
// is skipped.
func (vc *viewChannel) renderItems(ctx context.Context, roots []*mounted, since uint64) (ops []wire.StreamOp, err error) {
	cs := &vc.s.comps
	defer recoverCrash(&err, callback{name: "Render"})
	for _, m := range roots {
		it := m.item
		if it == nil || cs.byID[m.id] != m || m.pass > since || m.ctx == nil {
			continue
		}
		cs.begin()
		html, kids, err := cs.renderAlone(ctx, m)
		if err == errOutside {
			return nil, fmt.Errorf("live: component %q of stream item %q renders a component from elsewhere in its view", m.id, it.id)
		}
		if err != nil {
			return nil, callback{name: "Render"}.failed(err)
		}
		// Its spans are in no render of the view.
		for _, k := range kids {
			k.start = -1
		}
		// What was rendered in it before, and is not now, is gone.
		for id, k := range cs.byID {
			if k != m && k.pass != cs.pass && k.streamedRoot() == m {
				delete(cs.byID, id)
				terminateComponent(k, ErrComponentRemoved)
			}
		}
		frag, err := render.ParseFragment(html)
		if err != nil {
			return nil, fmt.Errorf("live: component %q of stream item %q: parse its render: %w", m.id, it.id, err)
		}
		if got := rootID(frag); got != it.id {
			return nil, fmt.Errorf("live: component %q of stream item %q rendered a root element with id %q: its root element is the item and keeps its id", m.id, it.id, got)
		}
		op := wire.StreamOp{Kind: wire.StreamInsert, Container: it.stream, ID: it.id, At: -1, HTML: string(html)}
		limit := vc.s.streamLimit(it.stream)
		if limit < 0 {
			// Should the browser have trimmed the item already, the insert
			// adds it at the end its limit trims.
			op.At = 0
		}
		ops = append(ops, op)
		if limit != 0 {
			ops = append(ops, wire.StreamOp{Kind: wire.StreamLimit, Container: it.stream, Limit: limit})
		}
	}
	return ops, nil
}

// rootID returns the id of the first element of frag.
func rootID(frag *render.Node) string {
	for i := range frag.Children {
		if c := &frag.Children[i]; c.Type == render.ElementNode {
			id, _ := c.Attr("id")
			return id
		}
	}
	return ""
}

// streamLimit returns the limit of the view's stream name, 0 for none.
func (s *Socket) streamLimit(name string) int {
	for _, st := range s.streams {
		if st.streamName() == name {
			return st.streamLimit()
		}
	}
	return 0
}
