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
// ["r",container], ["l",container,n].
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
			if attr(&c.Children[i], "id") == id {
				c.Children[i] = *item
				return nil
			}
		}
		if at < 0 || at > len(c.Children) {
			at = len(c.Children)
		}
		c.Children = slices.Insert(c.Children, at, *item)
	case "l":
		var n int
		if len(raw) != 3 || json.Unmarshal(raw[2], &n) != nil {
			return errors.New("malformed limit")
		}
		switch {
		case n > 0 && len(c.Children) > n:
			c.Children = c.Children[:n]
		case n < 0 && len(c.Children) > -n:
			c.Children = c.Children[len(c.Children)+n:]
		}
	default:
		return fmt.Errorf("unknown operation %q", kind)
	}
	return nil
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
