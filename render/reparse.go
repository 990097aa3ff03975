package render

import (
	"bytes"
	"strings"
	"unsafe"

	"github.com/templive/templive/internal/bytediff"
)

// A Doc is a render kept for the next one: its HTML and where each of its
// elements and comments starts and ends in it. Two consecutive renders of
// a page share most of their bytes, and [Doc.Reparse] uses the spans to
// parse only the part of the next render that changed.
//
// A Doc costs its HTML, which it keeps and which must not be modified
// afterwards, and 12 bytes per element; a parsed tree costs several times
// its HTML. A Doc is not safe for concurrent use.
type Doc struct {
	html  []byte
	spans []span // one per element and comment, in document order
	kids  int    // the root's children
}

// span is where an element or a comment starts and ends in a Doc's HTML.
// Text nodes have none: the text children of an element are exactly the
// nonempty gaps between its other children, since the fast parser drops
// no text outside <pre> and <listing> (which it never reparses inside)
// and merges adjacent text.
type span struct {
	start, end int32
	n          int32 // spans in the subtree, this one included, <<spanShift | flags
}

const (
	spanLeaf     = 1 << iota // never reparse inside: void, raw text, <pre>, comment
	spanImplied              // an implied <tbody>: no tags of its own
	spanShift    = iota
	spanFlagMask = 1<<spanShift - 1
)

func (s span) size() int32 { return s.n >> spanShift }

func spanFlags(tag string, flags uint8) int32 {
	if flags&frameImplied != 0 {
		return spanImplied
	}
	switch tag {
	case "pre", "listing", "textarea", "title", "script", "style":
		// A newline that starts a <pre> is dropped; raw text has no
		// elements to narrow to.
		return spanLeaf
	}
	return 0
}

// ParseDoc is [ParseFragment] that also returns the render as a Doc, for
// [Doc.Reparse]. The Doc keeps html, which must not be modified
// afterwards. It is nil when html took the slow path of the parser, whose
// trees the Doc cannot describe.
func ParseDoc(html []byte) (*Node, *Doc, error) {
	if bytes.IndexByte(html, 0) < 0 && bytes.IndexByte(html, '\r') < 0 {
		p := parserPool.Get().(*parser)
		p.b.index = true
		root, ok := p.parse(string(html))
		var d *Doc
		if ok {
			d = &Doc{html: html, spans: append([]span(nil), p.b.spans...), kids: len(root.Children)}
		}
		p.src = ""
		p.b.index = false
		parserPool.Put(p)
		if ok {
			return root, d, nil
		}
	}
	root, err := parseSlow(string(html), nil)
	return root, nil, err
}

// HTML returns the render the Doc was made from.
func (d *Doc) HTML() []byte { return d.html }

// Children returns how many children the root of the Doc's tree has.
func (d *Doc) Children() int { return d.kids }

// Size is the memory the Doc holds besides its HTML, in bytes.
func (d *Doc) Size() int { return cap(d.spans) * int(unsafe.Sizeof(span{})) }

// A Change is where two renders differ: a run of children of one element
// (or of the root), parsed from each render.
type Change struct {
	// Path is the element's path of child indices from the root; empty for
	// the root.
	Path []int
	// Ancestors are the elements from the root's child down to the element
	// itself, without their children: the parsing context of HTML inserted
	// under it.
	Ancestors []*Node
	// Index is the first child of the run among the element's children.
	Index int
	// Old and New are copies of the element whose children are the run as
	// the old and the new render have it.
	Old, New *Node
	// Shallow says that the new run is the old one's children, each with
	// the very same markup, in another order or with some gone (a row moved
	// to the top of a table): then Old and New hold them without their own
	// children, which are the same in both and were not parsed.
	Shallow bool
}

// Reparse compares html, the next render, with the Doc's and parses what
// changed: the smallest run of children of one element that covers the
// bytes that differ, in both renders, in the parsing state the whole
// document gives them. Replacing the old run by the new one in the old tree
// gives exactly the tree [ParseFragment] builds from html.
//
// leaf reports elements whose children must not be reparsed apart from
// them (say, containers whose children the diff does not own); the run is
// then the element itself.
//
// Reparse reports false, and d is unchanged, when it cannot vouch for the
// result: html takes the parser's slow path, the change reaches markup it
// does not narrow, or the runs would merge with text around them. Then
// parse the whole render. Otherwise d now describes html, which it keeps.
func (d *Doc) Reparse(html []byte, leaf func(*Node) bool) (*Change, bool) {
	return d.ReparseWithin(html, 0, 0, leaf)
}

// ReparseWithin is [Doc.Reparse] for an html known to begin with the first
// head bytes of the Doc's render and to end with its last tail bytes,
// which it does not compare again: when only a part of a page rendered
// again (a component), it costs what that part does. Its result is
// Reparse's.
func (d *Doc) ReparseWithin(html []byte, head, tail int, leaf func(*Node) bool) (*Change, bool) {
	old := d.html
	pre, suf := bytediff.Around(old, html, head, tail)
	if suf == min(len(old), len(html))-pre && pre > 0 {
		// Markup inserted or removed whole, whose first bytes are those of
		// what follows it: "<tr>…</tr></tbody>" less the row shares
		// "<" with "</tbody>". Align it on a tag, so that the change
		// covers whole rows rather than the end tag of their parent.
		if i := bytes.LastIndexByte(old[:pre], '<'); i >= 0 {
			pre = i
			suf = bytediff.CommonSuffix(old[pre:], html[pre:])
		}
	}
	if pre == len(old) && pre == len(html) {
		return nil, false // nothing changed
	}
	if bytes.IndexByte(html[pre:len(html)-suf], 0) >= 0 || bytes.IndexByte(html[pre:len(html)-suf], '\r') >= 0 {
		return nil, false
	}
	r := d.locate(pre, len(old)-suf)

	p := parserPool.Get().(*parser)
	defer func() {
		p.src = ""
		p.b.index = false
		parserPool.Put(p)
	}()
	p.b.index = true
	if !p.replay(d, unsafe.String(unsafe.SliceData(old), len(old)), &r, leaf) {
		return nil, false
	}
	delta := len(html) - len(old)
	oldKids, kids, newSpans, shallow := p.reorder(d, html, &r, delta)
	if !shallow {
		if !p.runMarkup(r.start, r.end) {
			return nil, false
		}
		oldKids = p.b.finishKids().Children
		r.end += delta
		newRun, ok := p.parseRun(d, unsafe.String(unsafe.SliceData(html), len(html)), &r, nil)
		if !ok {
			return nil, false
		}
		kids, newSpans = newRun.Children, p.b.spans[p.spans0:]
	}
	switch {
	case len(kids) == 0 && r.textBefore && r.textAfter,
		len(kids) > 0 && kids[0].Type == TextNode && r.textBefore,
		len(kids) > 0 && kids[len(kids)-1].Type == TextNode && r.textAfter:
		return nil, false // the run's text would merge with its neighbours
	}

	c := &Change{Index: r.index, Path: make([]int, len(r.levels)), Ancestors: p.chain(), Shallow: shallow}
	parent := &Node{Type: RootNode}
	if len(c.Ancestors) > 0 {
		parent = c.Ancestors[len(c.Ancestors)-1]
	}
	for i, l := range r.levels {
		c.Path[i] = l.index
	}
	o, n := *parent, *parent
	o.Children, n.Children = oldKids, kids
	c.Old, c.New = &o, &n

	// The new spans replace the run's; those after it move by delta, and
	// the run's ancestors grow by it.
	added := int32(len(newSpans))
	removed := int32(r.entEnd - r.ent0)
	for _, l := range r.levels {
		s := &d.spans[l.ent]
		s.end += int32(delta)
		s.n += (added - removed) << spanShift
	}
	for i := r.entEnd; i < len(d.spans); i++ {
		d.spans[i].start += int32(delta)
		d.spans[i].end += int32(delta)
	}
	d.spans = spliceSpans(d.spans, r.ent0, r.entEnd, newSpans)
	if len(r.levels) == 0 {
		d.kids += len(kids) - len(oldKids)
	}
	d.html = html
	return c, true
}

func spliceSpans(s []span, i, j int, v []span) []span {
	if len(v) == j-i {
		copy(s[i:], v)
		return s
	}
	out := make([]span, 0, len(s)-(j-i)+len(v))
	out = append(out, s[:i]...)
	out = append(out, v...)
	return append(out, s[j:]...)
}

// region is a run of children of one element: the result of locate.
type region struct {
	levels                []level // the elements from the root's child down to the run's parent
	index                 int     // the run's first child among its parent's children
	start, end            int     // the run's bytes
	ent0, entEnd          int     // the run's spans
	textBefore, textAfter bool    // the run has a text sibling just before, just after it
}

// level is one element on the path to a region.
type level struct {
	ent   int // its span
	index int // its index among its parent's children
}

// locate returns the smallest run of children of one element that covers
// the bytes [a, b) of d's HTML, and the children that touch them.
func (d *Doc) locate(a, b int) region {
	var r region
	lo, hi := 0, len(d.html)  // the parent's content
	e0, e1 := 0, len(d.spans) // the parent's descendants' spans
	for {
		// The children in order: elements and comments, and text in the
		// nonempty gaps between them.
		first, last := -1, -1 // child indices of the first and last touching children
		var fs, le int        // their start and end
		var fe, lee int       // their spans: first, and end of last
		var kid, touchEnt int // kid counts children; touchEnt is the span of the only touching child
		touching := 0
		textBefore, prevText := false, false
		touch := func(start, end, ent, entEnd int, text bool) {
			if start <= b && end >= a {
				if first < 0 {
					first, fs, fe, textBefore = kid, start, ent, prevText
				}
				last, le, lee = kid, end, entEnd
				touching++
				touchEnt = ent
				if text {
					touchEnt = -1
				}
			} else if first >= 0 && last == kid-1 {
				r.textAfter = text
			}
			prevText = text
			kid++
		}
		pos := lo
		r.textAfter = false
		for e := e0; e < e1; e += int(d.spans[e].size()) {
			s := d.spans[e]
			if int(s.start) > pos {
				touch(pos, int(s.start), e, e, true)
			}
			touch(int(s.start), int(s.end), e, e+int(s.size()), false)
			pos = int(s.end)
		}
		if hi > pos {
			touch(pos, hi, e1, e1, true)
		}
		if touching == 1 && touchEnt >= 0 {
			s := d.spans[touchEnt]
			if s.n&spanLeaf == 0 {
				open, close := d.content(s)
				if a >= open && b <= close && (s.n&spanImplied == 0 || a > open && b < close) {
					r.levels = append(r.levels, level{ent: touchEnt, index: first})
					lo, hi = open, close
					e0, e1 = touchEnt+1, touchEnt+int(s.size())
					continue
				}
			}
		}
		if first < 0 {
			// An element without children: the run is empty.
			r.index, r.start, r.end, r.ent0, r.entEnd = 0, lo, lo, e0, e0
			return r
		}
		r.index, r.start, r.end, r.ent0, r.entEnd = first, fs, le, fe, lee
		r.textBefore = textBefore
		return r
	}
}

// content returns where the children of the element at s start and end.
func (d *Doc) content(s span) (open, close int) {
	if s.n&spanImplied != 0 {
		return int(s.start), int(s.end)
	}
	h := d.html
	i := int(s.start) + 1
	for ; i < int(s.end) && h[i] != '>'; i++ {
		if q := h[i]; q == '"' || q == '\'' {
			j := bytes.IndexByte(h[i+1:s.end], q)
			if j < 0 {
				return int(s.end), int(s.end)
			}
			i += j + 1
		}
	}
	open = i + 1
	close = bytes.LastIndexByte(h[open:s.end], '<')
	if close < 0 {
		return open, open
	}
	return open, open + close
}

// parseRun parses the run r of src in the parsing state the whole document
// gives it: it replays the start tags of the run's ancestors, then parses
// the run's bytes below them. The run's spans are p.b.spans[p.spans0:].
// With leaf, an ancestor it reports ends the path: the run becomes that
// element, and r changes to say so.
func (p *parser) parseRun(d *Doc, src string, r *region, leaf func(*Node) bool) (*Node, bool) {
	if !p.replay(d, src, r, leaf) {
		return nil, false
	}
	if !p.runMarkup(r.start, r.end) {
		return nil, false
	}
	return p.b.finishKids(), true
}

// runMarkup parses the run's bytes [start, end) below the open ancestors.
// An implied <tbody> the run opens ends with it if the table's end tag
// follows, as it does in the whole document.
func (p *parser) runMarkup(start, end int) bool {
	p.pos = start
	if !p.markup(end) {
		return false
	}
	if len(p.b.open) == p.floor+1 && p.current().flags&frameImplied != 0 &&
		len(p.src) >= end+7 && strings.EqualFold(p.src[end:end+7], "</table") {
		p.b.pos = int32(end)
		p.b.end()
	}
	return len(p.b.open) == p.floor
}

// replay opens the run's ancestors as parseRun does, and sets p.floor and
// p.spans0 for the run.
func (p *parser) replay(d *Doc, src string, r *region, leaf func(*Node) bool) bool {
	p.b.reset()
	p.src, p.cnt, p.floor = src, [nCounted]int32{}, 0
	for i, l := range r.levels {
		sp := d.spans[l.ent]
		if sp.n&spanImplied != 0 {
			p.b.tag0 = sp.start
			p.b.start("tbody", HTML, len(p.b.attrs), frameImplied)
			continue
		}
		depth := len(p.b.open)
		p.pos = int(sp.start)
		if !p.startTag() || len(p.b.open) != depth+1 {
			return false
		}
		if leaf == nil {
			continue
		}
		f := p.current()
		if !leaf(&Node{Type: ElementNode, Namespace: f.n.ns, Data: f.n.data, Attrs: p.b.attrs[f.n.a0 : f.n.a0+f.n.an]}) {
			continue
		}
		// The run is this element. The change is inside it, so its tags
		// are the same in both renders, and the run begins and ends with
		// them: no text of its own to merge with its siblings'.
		p.b.open = p.b.open[:depth]
		if c := f.flags >> 4; c > 0 {
			p.cnt[c-1]--
		}
		r.index, r.start, r.end = l.index, int(sp.start), int(sp.end)
		r.ent0, r.entEnd = l.ent, l.ent+int(sp.size())
		r.textBefore, r.textAfter = false, false
		r.levels = r.levels[:i]
		break
	}
	p.floor = len(p.b.open)
	p.spans0 = len(p.b.spans)
	return true
}

// reorder recognizes a run whose new markup is the old one's children,
// each byte for byte, in another order or with some gone. Their trees are
// then the same in both renders (the parsing state at the start of each
// is that of the run's parent), so only their start tags are parsed: into
// children-less nodes for the diff to match and move. The ancestors must
// be open (replay), in the old render.
func (p *parser) reorder(d *Doc, html []byte, r *region, delta int) (oldKids, newKids []Node, spans []span, ok bool) {
	old := d.html
	// The old run: elements edge to edge, none very short.
	type kid struct{ ent, start, end int }
	var kids []kid
	pos, short := r.start, len(old)
	for e := r.ent0; e < r.entEnd; e += int(d.spans[e].size()) {
		s := d.spans[e]
		if int(s.start) != pos || s.n&spanLeaf != 0 && old[s.start+1] == '!' {
			return nil, nil, nil, false
		}
		kids = append(kids, kid{e, int(s.start), int(s.end)})
		short = min(short, int(s.end-s.start))
		pos = int(s.end)
	}
	if pos != r.end || len(kids) < 2 || short < 16 {
		return nil, nil, nil, false
	}
	l := min(short, 64) // how much of a child identifies it
	byPrefix := make(map[string]int, len(kids))
	for i, k := range kids {
		key := string(old[k.start : k.start+l])
		if _, dup := byPrefix[key]; dup {
			return nil, nil, nil, false
		}
		byPrefix[key] = i
	}
	used := make([]bool, len(kids))
	var order []int
	for q, end := r.start, r.end+delta; q < end; {
		if q+l > end {
			return nil, nil, nil, false
		}
		i, found := byPrefix[string(html[q:q+l])]
		if !found || used[i] {
			return nil, nil, nil, false
		}
		k := kids[i]
		if q+k.end-k.start > end || !bytes.Equal(html[q:q+k.end-k.start], old[k.start:k.end]) {
			return nil, nil, nil, false
		}
		used[i] = true
		order = append(order, i)
		q += k.end - k.start
	}

	oldKids = make([]Node, len(kids))
	a0, k0 := len(p.b.attrs), len(p.b.kids)
	for i, k := range kids {
		depth := len(p.b.open)
		p.pos = k.start
		if !p.startTag() {
			return nil, nil, nil, false
		}
		var n pnode
		switch {
		case len(p.b.open) == depth+1:
			n = p.b.open[depth].n
		case len(p.b.open) == depth && len(p.b.kids) == k0+1:
			n = p.b.kids[k0]
		default:
			return nil, nil, nil, false // an implied <tbody>
		}
		oldKids[i] = Node{Type: ElementNode, Namespace: n.ns, Data: n.data}
		if n.an > 0 {
			oldKids[i].Attrs = append([]Attr(nil), p.b.attrs[n.a0:n.a0+n.an]...)
		}
		if len(p.b.open) > depth {
			if c := p.b.open[depth].flags >> 4; c > 0 {
				p.cnt[c-1]--
			}
		}
		p.b.open, p.b.kids, p.b.attrs, p.b.spans = p.b.open[:depth], p.b.kids[:k0], p.b.attrs[:a0], p.b.spans[:p.spans0]
	}
	newKids = make([]Node, len(order))
	q := r.start
	for j, i := range order {
		newKids[j] = oldKids[i]
		k := kids[i]
		shift := int32(q - k.start)
		for _, s := range d.spans[k.ent : k.ent+int(d.spans[k.ent].size())] {
			s.start += shift
			s.end += shift
			spans = append(spans, s)
		}
		q += k.end - k.start
	}
	return oldKids, newKids, spans, true
}

// chain returns the open elements as nodes without children, for
// [Change.Ancestors].
func (p *parser) chain() []*Node {
	if len(p.b.open) == 0 {
		return nil
	}
	nodes := make([]*Node, len(p.b.open))
	for i, f := range p.b.open {
		n := &Node{Type: ElementNode, Namespace: f.n.ns, Data: f.n.data}
		if f.n.an > 0 {
			n.Attrs = append([]Attr(nil), p.b.attrs[f.n.a0:f.n.a0+f.n.an]...)
		}
		nodes[i] = n
	}
	return nodes
}
