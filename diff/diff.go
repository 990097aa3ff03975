package diff

import (
	"unicode/utf8"

	"github.com/templive/templive/render"
)

// Diff returns the operations that turn the tree old into the tree new. Both
// are [render.ParseFragment] roots: the contents of the view's root element.
// Diff reads both trees and modifies neither; the patch's strings share
// new's, so keep new (the runtime keeps it anyway, as the next old).
func Diff(old, new *render.Node) Patch {
	d := differ{path: make([]int, 0, 16)}
	d.children(old, new)
	return d.ops
}

type differ struct {
	ops   Patch
	path  []int // path of the parent whose children are being diffed
	paths []int // backing store for the paths of ops
	buf   []byte
	cur   []int32 // scratch: identities of the current children (see children)
}

func (d *differ) op(code OpCode, index int, name, value string, n int) {
	// Paths are carved from shared chunks: one allocation for many ops.
	need := len(d.path) + 1
	if cap(d.paths)-len(d.paths) < need {
		// The first chunk fits a small patch: most patches are one or two
		// ops, and a diff of a small view should not allocate kilobytes.
		// Later chunks double, up to 256 ints.
		d.paths = make([]int, 0, max(min(2*cap(d.paths), 256), 4*need, 16))
	}
	p := append(d.paths, d.path...)
	p = append(p, index)
	d.paths = p
	p = p[len(p)-need : len(p) : len(p)]
	d.ops = append(d.ops, Op{Code: code, Path: p, Name: name, Value: value, N: n})
}

// html serializes a run of new's children, the argument of an insert.
func (d *differ) html(parent *render.Node, run []render.Node) string {
	d.buf = render.AppendChildren(d.buf[:0], parent, run)
	return string(d.buf)
}

// nodeKey is a child's key: its live-key attribute, else its id.
type nodeKey struct {
	val  string
	kind uint8 // 0: no key, 1: live-key, 2: id
}

// Keyed reports whether every node of kids has a key (its live-key
// attribute, else its id) that no other has: Diff then matches each old
// child with the new child of the same key, whatever their order, and
// nothing else (see [render.Change.Shallow]).
func Keyed(kids []render.Node) bool {
	seen := make(map[nodeKey]bool, len(kids))
	for i := range kids {
		k := key(&kids[i])
		if k.kind == 0 || seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

func key(n *render.Node) nodeKey {
	if n.Type != render.ElementNode {
		return nodeKey{}
	}
	var k nodeKey
	for i := range n.Attrs {
		switch n.Attrs[i].Key {
		case "live-key":
			return nodeKey{n.Attrs[i].Val, 1}
		case "id":
			if k.kind == 0 {
				k = nodeKey{n.Attrs[i].Val, 2}
			}
		}
	}
	return k
}

// compatible reports whether a can be patched into b rather than replaced.
func compatible(a, b *render.Node) bool {
	return a.Type == b.Type && (a.Type != render.ElementNode ||
		a.Data == b.Data && a.Namespace == b.Namespace && liveUpdate(a) == liveUpdate(b))
}

// liveUpdate returns an element's live-update attribute: a client-owned or
// streamed container only ever matches another of its kind, so one never
// stands in, by position, for an ordinary element.
func liveUpdate(n *render.Node) string {
	v, _ := n.Attr("live-update")
	return v
}

func same(a, b *render.Node) bool { return compatible(a, b) && key(a) == key(b) }

// Opaque reports whether the children of n belong to the client or to
// stream operations rather than to the diff: whether n is an element marked
// live-update="ignore" or "stream".
func Opaque(n *render.Node) bool { return opaque(n) }

func opaque(n *render.Node) bool {
	if n.Type != render.ElementNode {
		return false
	}
	v, _ := n.Attr("live-update")
	return v == "ignore" || v == "stream"
}

// children emits the operations that turn the children of old into those of
// new, then recurses into every matched pair. The structural operations for a
// parent all come before any operation inside its children, so the paths of
// the latter can use the children's final indices.
func (d *differ) children(old, new *render.Node) {
	O, N := old.Children, new.Children
	start := 0
	for start < len(O) && start < len(N) && same(&O[start], &N[start]) {
		start++
	}
	eo, en := len(O), len(N)
	for eo > start && en > start && same(&O[eo-1], &N[en-1]) {
		eo--
		en--
	}
	var match []int32 // match[j-start] is the old index new child j keeps, or -1
	if start < en || start < eo {
		match = d.middle(new, O, N, start, eo, en)
	}
	for j := range N {
		o := j
		switch {
		case j >= en:
			o = j - en + eo
		case j >= start:
			if o = int(match[j-start]); o < 0 {
				continue
			}
		}
		d.path = append(d.path, j)
		d.node(&O[o], &N[j])
		d.path = d.path[:len(d.path)-1]
	}
}

// middle handles what the common prefix and suffix leave: old children
// [start, eo) and new children [start, en). It matches them by key, and
// unkeyed ones by position among the unkeyed, removes the old ones without a
// match, and then moves and inserts from right to left, leaving in place the
// longest run of matched children that is already in order.
func (d *differ) middle(new *render.Node, O, N []render.Node, start, eo, en int) []int32 {
	match := make([]int32, en-start)
	if eo-start == 1 && en-start == 1 {
		// One node became another: replace it.
		match[0] = -1
		d.op(OpReplace, start, "", d.html(new, N[start:en]), 0)
		return match
	}
	used := make([]bool, eo-start)
	var keyed map[nodeKey]int
	var unkeyed []int
	for i := start; i < eo; i++ {
		if k := key(&O[i]); k.kind != 0 {
			if keyed == nil {
				keyed = make(map[nodeKey]int)
			}
			if _, dup := keyed[k]; !dup {
				keyed[k] = i
			}
		} else {
			unkeyed = append(unkeyed, i)
		}
	}
	u := 0
	for j := start; j < en; j++ {
		match[j-start] = -1
		var o int
		if k := key(&N[j]); k.kind != 0 {
			i, ok := keyed[k]
			if !ok {
				continue
			}
			o = i
		} else {
			if u >= len(unkeyed) {
				continue
			}
			o = unkeyed[u]
			u++
		}
		if !used[o-start] && compatible(&O[o], &N[j]) {
			used[o-start] = true
			match[j-start] = int32(o)
		}
	}

	// Remove the unmatched old children, last first, a run at a time.
	for i := eo - 1; i >= start; {
		if used[i-start] {
			i--
			continue
		}
		j := i
		for j > start && !used[j-1-start] {
			j--
		}
		d.op(OpRemove, j, "", "", i-j+1)
		i = j - 1
	}

	// cur holds the identities of the middle's current children: an old
	// index, or -1-j for the new child j once inserted.
	cur := d.cur[:0]
	for i := start; i < eo; i++ {
		if used[i-start] {
			cur = append(cur, int32(i))
		}
	}
	stay := lis(match)
	anchor := len(cur)
	for j := en - 1; j >= start; j-- {
		o := match[j-start]
		switch {
		case o < 0:
			j0 := j
			for j0 > start && match[j0-1-start] < 0 {
				j0--
			}
			d.op(OpInsert, start+anchor, "", d.html(new, N[j0:j+1]), 0)
			ids := make([]int32, j+1-j0)
			for k := range ids {
				ids[k] = int32(-1 - (j0 + k))
			}
			cur = insertIDs(cur, anchor, ids)
			j = j0
		case stay[j-start]:
			anchor = lastIndex(cur, anchor, o)
		default:
			f := lastIndex(cur, len(cur), o)
			to := anchor
			if f < anchor {
				to--
			}
			d.op(OpMove, start+f, "", "", start+to)
			cur = append(cur[:f], cur[f+1:]...)
			cur = insertIDs(cur, to, []int32{o})
			anchor = to
		}
	}
	d.cur = cur
	return match
}

func insertIDs(s []int32, at int, ids []int32) []int32 {
	s = append(s, ids...)
	copy(s[at+len(ids):], s[at:len(s)-len(ids)])
	copy(s[at:], ids)
	return s
}

// lastIndex finds id in s[:before], searching backwards: the node looked for
// is usually just before the anchor.
func lastIndex(s []int32, before int, id int32) int {
	for i := before - 1; i >= 0; i-- {
		if s[i] == id {
			return i
		}
	}
	for i := len(s) - 1; i >= before; i-- {
		if s[i] == id {
			return i
		}
	}
	panic("diff: lost a matched child") // unreachable: every matched id is in cur
}

// lis marks a longest increasing subsequence of the matched old indices: the
// children that keep their place while the others move around them.
func lis(match []int32) []bool {
	stay := make([]bool, len(match))
	tails := make([]int, 0, len(match)) // tails[k]: index in match of the smallest tail of a run of length k+1
	prev := make([]int, len(match))
	for j, o := range match {
		if o < 0 {
			continue
		}
		lo, hi := 0, len(tails)
		for lo < hi {
			m := (lo + hi) / 2
			if match[tails[m]] < o {
				lo = m + 1
			} else {
				hi = m
			}
		}
		if lo > 0 {
			prev[j] = tails[lo-1]
		} else {
			prev[j] = -1
		}
		if lo == len(tails) {
			tails = append(tails, j)
		} else {
			tails[lo] = j
		}
	}
	if len(tails) > 0 {
		for j := tails[len(tails)-1]; j >= 0; j = prev[j] {
			stay[j] = true
		}
	}
	return stay
}

// node emits the operations for a matched pair at d.path.
func (d *differ) node(o, n *render.Node) {
	at := d.path[len(d.path)-1]
	if n.Type != render.ElementNode {
		if o.Data != n.Data {
			d.path = d.path[:len(d.path)-1]
			d.text(at, o.Data, n.Data)
			d.path = append(d.path, at)
		}
		return
	}
	oo, no := opaque(o), opaque(n)
	if oo != no {
		// The client's children of an opaque element are unknown to the
		// server, and a newly opaque one must start from the new render:
		// either way, send the element whole.
		d.path = d.path[:len(d.path)-1]
		d.op(OpReplace, at, "", string(n.AppendHTML(d.buf[:0])), 0)
		d.path = append(d.path, at)
		return
	}
	if n.Namespace == render.HTML && n.Data == "template" && !equalChildren(o, n) {
		// A template's content is not among its childNodes in the DOM,
		// so no path can reach it: send the element whole.
		d.path = d.path[:len(d.path)-1]
		d.op(OpReplace, at, "", string(n.AppendHTML(d.buf[:0])), 0)
		d.path = append(d.path, at)
		return
	}
	d.attrs(o, n)
	if !no {
		d.children(o, n)
	}
}

func equalChildren(a, b *render.Node) bool {
	if len(a.Children) != len(b.Children) {
		return false
	}
	for i := range a.Children {
		if !render.Equal(&a.Children[i], &b.Children[i]) {
			return false
		}
	}
	return true
}

// text emits the cheaper of setting the whole text and splicing the part
// between the common prefix and suffix of old and new.
func (d *differ) text(at int, old, new string) {
	pre := 0
	for pre < len(old) && pre < len(new) && old[pre] == new[pre] {
		pre++
	}
	for pre > 0 && pre < len(new) && !utf8.RuneStart(new[pre]) {
		pre-- // split texts between characters
	}
	suf := 0
	for suf < len(old)-pre && suf < len(new)-pre && old[len(old)-1-suf] == new[len(new)-1-suf] {
		suf++
	}
	for suf > 0 && !utf8.RuneStart(new[len(new)-suf]) {
		suf--
	}
	mid := new[pre : len(new)-suf]
	// A splice repeats two numbers instead of the common text; a few bytes
	// of the text are worth it.
	if pre+suf < 12 {
		d.op(OpText, at, "", new, 0)
		return
	}
	d.op(OpSplice, at, "", mid, utf16Len(old[:pre]))
	d.ops[len(d.ops)-1].Count = utf16Len(old[pre : len(old)-suf])
}

// utf16Len is the length of s in UTF-16 code units, the unit of offsets in
// the DOM. An invalid byte counts as one: it reaches the browser as U+FFFD.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// attrs emits the attribute operations for a matched element pair. The DOM
// appends an attribute it does not have, so to keep attributes in order,
// those after the first one out of place are removed and set again.
func (d *differ) attrs(o, n *render.Node) {
	// k: the length of the longest prefix of n's attributes whose keys are,
	// in order, the keys o keeps.
	k, i := 0, 0
	for k < len(n.Attrs) {
		for i < len(o.Attrs) && !has(n.Attrs, o.Attrs[i].Key) {
			i++
		}
		if i == len(o.Attrs) || o.Attrs[i].Key != n.Attrs[k].Key {
			break
		}
		k++
		i++
	}
	at := d.path[len(d.path)-1]
	d.path = d.path[:len(d.path)-1]
	defer func() { d.path = append(d.path, at) }()
	for _, a := range o.Attrs {
		if !has(n.Attrs[:k], a.Key) {
			d.op(OpRemoveAttr, at, a.Key, "", 0)
		}
	}
	for j, a := range n.Attrs {
		if j >= k {
			d.op(OpSetAttr, at, a.Key, a.Val, 0)
		} else if v, _ := o.Attr(a.Key); v != a.Val {
			d.op(OpSetAttr, at, a.Key, a.Val, 0)
		}
	}
}

func has(attrs []render.Attr, key string) bool {
	for i := range attrs {
		if attrs[i].Key == key {
			return true
		}
	}
	return false
}
