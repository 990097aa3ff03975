package wire

import (
	"fmt"
	"slices"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/render"
)

// Apply applies r to the tree of a view's root as the client does: the
// patch first ([diff.Apply]), then the stream operations
// ([ApplyStreams]). Events, the reply and the title are the caller's to
// use.
func (r Render) Apply(root *render.Node) error {
	if len(r.Patch) > 0 {
		p, err := diff.DecodeJSON(r.Patch)
		if err != nil {
			return fmt.Errorf("wire: patch: %w", err)
		}
		if err := diff.Apply(root, p); err != nil {
			return fmt.Errorf("wire: patch: %w", err)
		}
	}
	return ApplyStreams(root, r.Streams)
}

// ApplyStreams applies stream operations to the tree of a view's root, in
// order, as the client's applyStreams (js/src/stream.js) applies them to
// the DOM: the container is the first element in document order whose id
// is the operation's; items are its element children, so text between
// them (the whitespace of an indented template) stays where it is and
// counts neither for an insert's position nor for a limit.
//
//   - insert parses HTML in the container's context
//     ([render.ParseFragmentIn]); its first element replaces the item with
//     the same id where it stands, or else goes before the At-th item.
//   - delete removes the first item with the id, if any.
//   - reset removes every child.
//   - limit keeps the first Limit items, or the last -Limit.
//
// The client skips an operation whose container is not in the page;
// ApplyStreams stops there with [ErrNoContainer], because the server checks
// every container before it sends: an operation without one is the
// server's bug. An insert whose HTML holds no element stops it with
// [ErrNoItem]. The operations before the failing one stay applied.
func ApplyStreams(root *render.Node, ops []StreamOp) error {
	for i, op := range ops {
		if err := applyStreamOp(root, op); err != nil {
			return fmt.Errorf("stream operation %d: %w", i, err)
		}
	}
	return nil
}

// applyStreamOp applies one operation.
func applyStreamOp(root *render.Node, op StreamOp) error {
	c, ancestors := findByID(root, op.Container, nil)
	if c == nil {
		return fmt.Errorf("%w: %q", ErrNoContainer, op.Container)
	}
	switch op.Kind {
	case StreamReset:
		c.Children = nil
	case StreamDelete:
		if i := itemIndex(c, op.ID); i >= 0 {
			c.Children = slices.Delete(c.Children, i, i+1)
		}
	case StreamInsert:
		frag, err := render.ParseFragmentIn([]byte(op.HTML), append(ancestors, c))
		if err != nil {
			return fmt.Errorf("insert of %q: %w", op.ID, err)
		}
		var item *render.Node
		for i := range frag.Children {
			if frag.Children[i].Type == render.ElementNode {
				item = &frag.Children[i]
				break
			}
		}
		if item == nil {
			return fmt.Errorf("%w: %q", ErrNoItem, op.ID)
		}
		if i := itemIndex(c, op.ID); i >= 0 {
			c.Children[i] = *item
			return nil
		}
		c.Children = slices.Insert(c.Children, insertIndex(c.Children, op.At), *item)
	case StreamLimit:
		limitItems(c, op.Limit)
	default:
		return fmt.Errorf("%w: unknown stream operation %q", ErrMalformed, op.Kind)
	}
	return nil
}

// itemIndex returns the index among c's children of its first element
// child whose id is id, or -1.
func itemIndex(c *render.Node, id string) int {
	for i := range c.Children {
		if ch := &c.Children[i]; ch.Type == render.ElementNode {
			if v, _ := ch.Attr("id"); v == id {
				return i
			}
		}
	}
	return -1
}

// insertIndex returns the index in children before which an item goes to
// become the at-th element child: before the at-th element, or at the end
// of children when at is negative or there are at most at elements.
func insertIndex(children []render.Node, at int) int {
	if at < 0 {
		return len(children)
	}
	k := 0
	for i := range children {
		if children[i].Type != render.ElementNode {
			continue
		}
		if k == at {
			return i
		}
		k++
	}
	return len(children)
}

// limitItems keeps the first n element children of c (the last -n when n
// is negative) and removes the other elements, leaving its other nodes.
func limitItems(c *render.Node, n int) {
	items := 0
	for i := range c.Children {
		if c.Children[i].Type == render.ElementNode {
			items++
		}
	}
	lo, hi := 0, n // the ranks of the items to keep: [lo, hi)
	if n < 0 {
		lo, hi = items+n, items
	}
	kept := c.Children[:0]
	rank := 0 // of the next element
	for _, ch := range c.Children {
		if ch.Type == render.ElementNode {
			keep := rank >= lo && rank < hi
			rank++
			if !keep {
				continue
			}
		}
		kept = append(kept, ch)
	}
	clear(c.Children[len(kept):])
	c.Children = kept
}

// findByID returns the first element under n, in document order, whose id
// is id, and its ancestors below n, outermost first.
func findByID(n *render.Node, id string, ancestors []*render.Node) (*render.Node, []*render.Node) {
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type != render.ElementNode {
			continue
		}
		if v, _ := c.Attr("id"); v == id {
			return c, ancestors
		}
		if found, anc := findByID(c, id, append(ancestors, c)); found != nil {
			return found, anc
		}
	}
	return nil, nil
}
