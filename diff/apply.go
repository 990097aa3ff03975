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
	return ApplyIn(root, nil, p)
}

// ApplyIn is [Apply] for a patch whose paths start at parent rather than at
// the view root: ancestors are the elements from the root's child down to
// parent itself (see [render.Change]), the parsing context of the HTML the
// patch inserts directly under parent.
func ApplyIn(root *render.Node, ancestors []*render.Node, p Patch) error {
	var perm []int32
	chain := make([]*render.Node, 0, len(ancestors)+8)
	base := len(ancestors)
	chain = append(chain, ancestors...)
	for i := 0; i < len(p); i++ {
		if p[i].Code == OpMove {
			// A reorder is a run of moves under one parent: apply them to
			// a permutation and move the nodes once, rather than copying
			// the children at every move (quadratic on a long list).
			j := i + 1
			for j < len(p) && p[j].Code == OpMove && sameParent(p[i].Path, p[j].Path) {
				j++
			}
			done, err := applyMoves(root, p[i:j], &chain, base, &perm)
			if err != nil {
				return fmt.Errorf("operation %d: %w", i+done, err)
			}
			i = j - 1
			continue
		}
		if err := apply(root, p[i], &chain, base); err != nil {
			return fmt.Errorf("operation %d: %w", i, err)
		}
	}
	return nil
}

// sameParent reports whether two paths address children of one parent.
func sameParent(a, b []int) bool {
	return len(a) == len(b) && len(a) > 0 && slices.Equal(a[:len(a)-1], b[:len(b)-1])
}

// applyMoves applies moves, which all address children of one parent. It
// returns how many it applied; those stay applied when one fails.
func applyMoves(root *render.Node, moves []Op, chain *[]*render.Node, base int, perm *[]int32) (int, error) {
	if len(moves[0].Path) == 0 {
		return 0, fmt.Errorf("%w: empty path", ErrInvalidPatch)
	}
	parent, err := resolve(root, moves[0].Path, chain, base)
	if err != nil {
		return 0, err
	}
	n := len(parent.Children)
	// order[i] is the index in parent.Children of the node now at i.
	order := (*perm)[:0]
	for i := range n {
		order = append(order, int32(i))
	}
	*perm = order
	done := 0
	for _, op := range moves {
		k := op.Path[len(op.Path)-1]
		if k >= n {
			err = fmt.Errorf("%w: %v", ErrPath, op.Path)
			break
		}
		if op.N >= n {
			err = fmt.Errorf("%w: move to %d of %d", ErrPath, op.N, n)
			break
		}
		moved := order[k]
		if op.N < k {
			copy(order[op.N+1:k+1], order[op.N:k])
		} else {
			copy(order[k:op.N], order[k+1:op.N+1])
		}
		order[op.N] = moved
		done++
	}
	if done > 0 {
		kids := make([]render.Node, n) // the old slice may be shared with another tree
		for i, o := range order {
			kids[i] = parent.Children[o]
		}
		parent.Children = kids
	}
	return done, err
}

// resolve walks path[:len(path)-1] from root and returns the parent the last
// index addresses a child of. chain receives the elements walked, outermost
// first, after the base elements above root it holds, for the parsing
// context of inserted HTML.
func resolve(root *render.Node, path []int, chain *[]*render.Node, base int) (*render.Node, error) {
	*chain = (*chain)[:base]
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

func apply(root *render.Node, op Op, chain *[]*render.Node, base int) error {
	if len(op.Path) == 0 {
		return fmt.Errorf("%w: empty path", ErrInvalidPatch)
	}
	parent, err := resolve(root, op.Path, chain, base)
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
