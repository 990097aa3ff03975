package live

import (
	"fmt"
	"slices"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// A Stream is a list the browser keeps and the server does not: a feed,
// a log, a chat history. The view inserts, updates and deletes items; the
// next render sends just those changes, and then the server forgets the
// items, so a feed of 100,000 posts costs the view no more memory than a
// feed of ten.
//
// Render the stream's container as an element whose id is the stream's
// name and whose live-update attribute is "stream", with one child per
// item of [Stream.Items], each with the item's DOM id as its id:
//
//	<ul id="posts" live-update="stream">
//		for _, it := range v.Posts.Items() {
//			<li id={ it.ID }>{ it.Value.Body }</li>
//		}
//	</ul>
//
// Items holds only what changed since the last render. Re-renders of the
// rest of the page never touch the container's children.
//
// An item can be a stateful component, with state and events of its own,
// which the server keeps while the browser shows the item: see "In
// streams" at [Component].
//
// A Stream belongs to its view's goroutine, like the view's other fields.
type Stream[T any] struct {
	name  string
	domID func(T) string
	limit int
	items []StreamItem[T] // pending, in the order the container shows them
	ops   []wire.StreamOp // pending, in the order the browser applies them; inserts' HTML is filled in after the render
}

// A StreamItem is an item to render: its DOM id and its value.
type StreamItem[T any] struct {
	ID    string
	Value T
}

// A streamer is a stream as the runtime sees it, whatever its item type.
type streamer interface {
	streamName() string
	pending() bool
	pendingOps() int
	takeOps() (ops []wire.StreamOp, limit int)
	streamLimit() int
}

// NewStream returns a stream named name for the view of s. domID gives
// each item's DOM id, which must be unique in the page (prefix it:
// "posts-42"). The container is the element with id name.
// A second NewStream of the same name replaces the first (a view that
// makes its streams in HandleParams, say).
func NewStream[T any](s *Socket, name string, domID func(T) string) *Stream[T] {
	st := &Stream[T]{name: name, domID: domID}
	for i, old := range s.streams {
		if old.streamName() == name {
			s.streams[i] = st
			return st
		}
	}
	s.streams = append(s.streams, st)
	return st
}

// Name returns the stream's name: its container's id.
func (st *Stream[T]) Name() string { return st.name }

// Items returns the items to render in the container: those inserted or
// updated since the last render, in their order on the page (trimmed to
// the limit).
func (st *Stream[T]) Items() []StreamItem[T] {
	switch n := st.limit; {
	case n > 0 && len(st.items) > n:
		return st.items[:n]
	case n < 0 && len(st.items) > -n:
		return st.items[len(st.items)+n:]
	}
	return st.items
}

// Insert appends items at the end of the list. An item whose DOM id is
// already in the browser's list is updated where it stands instead.
func (st *Stream[T]) Insert(items ...T) { st.InsertAt(-1, items...) }

// InsertAt inserts items, in order, before the at-th item of the list (0
// is the top; -1 the end). An item whose DOM id is already in the list is
// updated where it stands instead. An index past the end appends.
func (st *Stream[T]) InsertAt(at int, items ...T) {
	for i, v := range items {
		id := st.domID(v)
		pos := at
		if at >= 0 {
			pos = at + i
		}
		st.ops = append(st.ops, wire.StreamOp{Kind: wire.StreamInsert, Container: st.name, ID: id, At: pos})
		st.placeLocally(id, v, pos)
	}
}

// placeLocally orders the pending items the way the browser will, so a
// first render shows them in place.
func (st *Stream[T]) placeLocally(id string, v T, at int) {
	for i := range st.items {
		if st.items[i].ID == id {
			st.items[i].Value = v
			return
		}
	}
	it := StreamItem[T]{ID: id, Value: v}
	if at < 0 || at >= len(st.items) {
		st.items = append(st.items, it)
		return
	}
	st.items = append(st.items, StreamItem[T]{})
	copy(st.items[at+1:], st.items[at:])
	st.items[at] = it
}

// Update replaces items in place; an item the browser does not have is
// appended (use [Stream.InsertAt] to choose where).
func (st *Stream[T]) Update(items ...T) { st.Insert(items...) }

// Delete removes items from the browser's list, by DOM id.
func (st *Stream[T]) Delete(items ...T) {
	for _, v := range items {
		st.DeleteID(st.domID(v))
	}
}

// DeleteID removes the item with DOM id id from the browser's list. An
// insert of it still pending is dropped: it was never rendered.
func (st *Stream[T]) DeleteID(id string) {
	st.ops = slices.DeleteFunc(st.ops, func(op wire.StreamOp) bool { return op.Kind == wire.StreamInsert && op.ID == id })
	st.ops = append(st.ops, wire.StreamOp{Kind: wire.StreamDelete, Container: st.name, ID: id})
	for i := range st.items {
		if st.items[i].ID == id {
			st.items = append(st.items[:i], st.items[i+1:]...)
			break
		}
	}
}

// Reset empties the browser's list, then inserts items in order.
func (st *Stream[T]) Reset(items ...T) {
	st.ops = append(st.ops[:0], wire.StreamOp{Kind: wire.StreamReset, Container: st.name})
	st.items = st.items[:0]
	st.Insert(items...)
}

// SetLimit makes the browser keep at most n items: after every render that
// inserted items, the extra ones are dropped from the end of the list; a
// negative n keeps the last -n, dropping from the top. Zero removes the
// limit. The first render is trimmed too.
func (st *Stream[T]) SetLimit(n int) { st.limit = n }

func (st *Stream[T]) streamName() string { return st.name }

func (st *Stream[T]) streamLimit() int { return st.limit }

func (st *Stream[T]) pending() bool { return len(st.ops) > 0 }

func (st *Stream[T]) pendingOps() int { return len(st.ops) }

// streamsPending reports whether any stream of the view has operations to
// send.
func (s *Socket) streamsPending() bool {
	for _, st := range s.streams {
		if st.pending() {
			return true
		}
	}
	return false
}

// streamOpsPending counts the operations the view's streams hold for
// its next render.
func (s *Socket) streamOpsPending() int {
	n := 0
	for _, st := range s.streams {
		n += st.pendingOps()
	}
	return n
}

// takeOps returns the pending operations and forgets them and the items.
func (st *Stream[T]) takeOps() ([]wire.StreamOp, int) {
	ops := st.ops
	if st.limit != 0 && slices.ContainsFunc(ops, func(op wire.StreamOp) bool { return op.Kind == wire.StreamInsert }) {
		ops = append(ops, wire.StreamOp{Kind: wire.StreamLimit, Container: st.name, Limit: st.limit})
	}
	st.ops, st.items = nil, nil
	return ops, st.limit
}

// collectStreams takes every stream's pending operations, fills inserts
// with the HTML the render produced for them, and empties the stream
// containers of tree, so the server keeps none of their items. It returns
// the operations to send, or nil if there are none, and whether it cut
// items out of tree.
func (s *Socket) collectStreams(tree *render.Node) (out []wire.StreamOp, cut bool, err error) {
	containers := map[string]*render.Node{}
	findStreamContainers(tree, containers)
	for _, st := range s.streams {
		ops, limit := st.takeOps()
		if len(ops) == 0 {
			continue
		}
		c := containers[st.streamName()]
		if c == nil {
			return nil, false, fmt.Errorf("stream %q: no element with id %q and live-update=\"stream\" in the render", st.streamName(), st.streamName())
		}
		byID := map[string]*render.Node{}
		for i := range c.Children {
			if id, ok := c.Children[i].Attr("id"); ok {
				byID[id] = &c.Children[i]
			}
		}
		sent := len(out)
		for _, op := range ops {
			if op.Kind == wire.StreamInsert {
				n := byID[op.ID]
				if n == nil && limit != 0 {
					continue // trimmed by the limit before it was rendered
				}
				if n == nil {
					return nil, false, fmt.Errorf("stream %q: the render has no child with id %q for an inserted item", st.streamName(), op.ID)
				}
				op.HTML = string(n.AppendHTML(nil))
			}
			out = append(out, op)
		}
		if err := s.comps.noteItems(st.streamName(), out[sent:], c, limit); err != nil {
			return nil, false, err
		}
	}
	for _, c := range containers {
		cut = cut || len(c.Children) > 0
		c.Children = nil
	}
	return out, cut, nil
}

// findStreamContainers records every element of tree with
// live-update="stream", by id.
func findStreamContainers(n *render.Node, into map[string]*render.Node) {
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type != render.ElementNode {
			continue
		}
		if v, _ := c.Attr("live-update"); v == "stream" {
			if id, ok := c.Attr("id"); ok {
				into[id] = c
			}
			continue
		}
		findStreamContainers(c, into)
	}
}
