package livetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/templive/templive/render"
)

// applyStreamOp applies one stream operation to tree, as the browser
// client does: ["i",container,id,at,html], ["d",container,id],
// ["r",container], ["l",container,n]. Like the client (js/src/stream.js),
// it counts only the container's element children, its items, for an
// insert's position and for a limit; text between the items, such as the
// whitespace of an indented template, stays where it is.
func applyStreamOp(tree *render.Node, raw []json.RawMessage) error {
	if len(raw) < 2 {
		return errors.New("too short")
	}
	var kind, container string
	if json.Unmarshal(raw[0], &kind) != nil || json.Unmarshal(raw[1], &container) != nil {
		return errors.New("malformed")
	}
	c, ancestors := findByID(tree, container, nil)
	if c == nil {
		return fmt.Errorf("no stream container %q", container)
	}
	switch kind {
	case "r":
		c.Children = nil
	case "d":
		var id string
		if len(raw) != 3 || json.Unmarshal(raw[2], &id) != nil {
			return errors.New("malformed delete")
		}
		c.Children = slices.DeleteFunc(c.Children, func(n render.Node) bool { return attr(&n, "id") == id })
	case "i":
		var id, html string
		var at int
		if len(raw) != 5 || json.Unmarshal(raw[2], &id) != nil || json.Unmarshal(raw[3], &at) != nil || json.Unmarshal(raw[4], &html) != nil {
			return errors.New("malformed insert")
		}
		frag, err := render.ParseFragmentIn([]byte(html), append(ancestors, c))
		if err != nil {
			return err
		}
		var item *render.Node
		for i := range frag.Children {
			if frag.Children[i].Type == render.ElementNode {
				item = &frag.Children[i]
				break
			}
		}
		if item == nil {
			return fmt.Errorf("insert of %q carries no element", id)
		}
		for i := range c.Children {
			if c.Children[i].Type == render.ElementNode && attr(&c.Children[i], "id") == id {
				c.Children[i] = *item
				return nil
			}
		}
		c.Children = slices.Insert(c.Children, insertIndex(c.Children, at), *item)
	case "l":
		var n int
		if len(raw) != 3 || json.Unmarshal(raw[2], &n) != nil {
			return errors.New("malformed limit")
		}
		limitItems(c, n)
	default:
		return fmt.Errorf("unknown operation %q", kind)
	}
	return nil
}

// insertIndex returns the index in children before which an item goes
// to become the at-th element child: before the at-th element, or at the
// end of children when at is negative or there are at most at elements.
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

// findByID returns the element with id under n and its ancestors below
// the root, outermost first.
func findByID(n *render.Node, id string, ancestors []*render.Node) (*render.Node, []*render.Node) {
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type != render.ElementNode {
			continue
		}
		if attr(c, "id") == id {
			return c, ancestors
		}
		if found, anc := findByID(c, id, append(ancestors, c)); found != nil {
			return found, anc
		}
	}
	return nil, nil
}
