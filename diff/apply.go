package diff

import (
	"fmt"
	"slices"

	"github.com/templive/templive/render"
)

// Apply applies p to the tree root in place, with exactly the semantics the
// JavaScript client gives the same patch on the live DOM. Nodes are never
// merged or normalized: as in the DOM, removing the element between two text
// nodes leaves two text nodes. Inserted HTML is parsed in the context of its
// parent ([render.ParseFragmentIn]), as the client's
// Range.createContextualFragment does.
//
// Apply stops at the first operation that fails and returns an error wrapping
// [ErrPath], [ErrOpaque] or [ErrInvalidPatch]; the operations before it stay
// applied.
func Apply(root *render.Node, p Patch) error {
	var chain []*render.Node
	for i, op := range p {
		if err := apply(root, op, &chain); err != nil {
			return fmt.Errorf("operation %d: %w", i, err)
		}
	}
	return nil
}

// resolve walks path[:len(path)-1] from root and returns the parent the last
// index addresses a child of. chain receives the elements walked, outermost
// first, for the parsing context of inserted HTML.
func resolve(root *render.Node, path []int, chain *[]*render.Node) (*render.Node, error) {
	*chain = (*chain)[:0]
	n := root
	for _, k := range path[:len(path)-1] {
		if opaque(n) || isTemplate(n) {
			return nil, fmt.Errorf("%w: %v", ErrOpaque, path)
		}
		if k >= len(n.Children) {
			return nil, fmt.Errorf("%w: %v", ErrPath, path)
		}
		n = &n.Children[k]
		*chain = append(*chain, n)
	}
	if opaque(n) || isTemplate(n) {
		return nil, fmt.Errorf("%w: %v", ErrOpaque, path)
	}
	return n, nil
}

// isTemplate reports whether n is a <template>, whose content the DOM keeps
// in a separate fragment instead of its childNodes.
func isTemplate(n *render.Node) bool {
	return n.Type == render.ElementNode && n.Namespace == render.HTML && n.Data == "template"
}

func apply(root *render.Node, op Op, chain *[]*render.Node) error {
	if len(op.Path) == 0 {
		return fmt.Errorf("%w: empty path", ErrInvalidPatch)
	}
	parent, err := resolve(root, op.Path, chain)
	if err != nil {
		return err
	}
	k := op.Path[len(op.Path)-1]
	n := len(parent.Children)
	if k > n || (k == n && op.Code != OpInsert) {
		return fmt.Errorf("%w: %v", ErrPath, op.Path)
	}
	var target *render.Node
	if k < n {
		target = &parent.Children[k]
	}
	switch op.Code {
	case OpText:
		if target.Type != render.TextNode && target.Type != render.CommentNode {
			return fmt.Errorf("%w: text of a non-text node at %v", ErrInvalidPatch, op.Path)
		}
		target.Data = op.Value
	case OpSplice:
		if target.Type != render.TextNode && target.Type != render.CommentNode {
			return fmt.Errorf("%w: text of a non-text node at %v", ErrInvalidPatch, op.Path)
		}
		from, ok1 := utf16Offset(target.Data, op.N)
		to, ok2 := utf16Offset(target.Data[from:], op.Count)
		if !ok1 || !ok2 {
			return fmt.Errorf("%w: splice %d+%d outside the text at %v", ErrPath, op.N, op.Count, op.Path)
		}
		target.Data = target.Data[:from] + op.Value + target.Data[from+to:]
	case OpSetAttr:
		if target.Type != render.ElementNode {
			return fmt.Errorf("%w: attribute of a non-element at %v", ErrInvalidPatch, op.Path)
		}
		for i := range target.Attrs {
			if target.Attrs[i].Key == op.Name {
				target.Attrs = slices.Clone(target.Attrs) // the slice may be shared with another tree
				target.Attrs[i].Val = op.Value
				return nil
			}
		}
		target.Attrs = append(slices.Clip(target.Attrs), render.Attr{Key: op.Name, Val: op.Value})
	case OpRemoveAttr:
		if target.Type != render.ElementNode {
			return fmt.Errorf("%w: attribute of a non-element at %v", ErrInvalidPatch, op.Path)
		}
		for i := range target.Attrs {
			if target.Attrs[i].Key == op.Name {
				target.Attrs = slices.Delete(slices.Clone(target.Attrs), i, i+1)
				break
			}
		}
	case OpInsert, OpReplace:
		if parent.Type == render.ElementNode && render.Void(parent.Data) && parent.Namespace == render.HTML {
			return fmt.Errorf("%w: insert into void <%s> at %v", ErrInvalidPatch, parent.Data, op.Path)
		}
		frag, err := render.ParseFragmentIn([]byte(op.Value), *chain)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidPatch, err)
		}
		del := 0
		if op.Code == OpReplace {
			del = 1
		}
		parent.Children = slices.Replace(slices.Clip(parent.Children), k, k+del, frag.Children...)
	case OpRemove:
		count := max(op.N, 1)
		if k+count > n {
			return fmt.Errorf("%w: removing %d from %v", ErrPath, count, op.Path)
		}
		parent.Children = slices.Delete(slices.Clone(parent.Children), k, k+count)
	case OpMove:
		if op.N >= n {
			return fmt.Errorf("%w: move to %d of %d", ErrPath, op.N, n)
		}
		moved := parent.Children[k]
		kids := slices.Delete(slices.Clone(parent.Children), k, k+1)
		parent.Children = slices.Insert(kids, op.N, moved)
	default:
		return fmt.Errorf("%w: unknown code %d", ErrInvalidPatch, op.Code)
	}
	return nil
}

// utf16Offset returns the byte offset in s of the UTF-16 offset units.
// CharacterData.replaceData throws past the end, and so does this; an offset
// inside a surrogate pair, which Diff never produces, is refused too.
func utf16Offset(s string, units int) (int, bool) {
	n := 0
	for i, r := range s {
		if n == units {
			return i, true
		}
		if n > units {
			return 0, false
		}
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return len(s), n == units
}
