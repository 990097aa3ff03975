package render

import (
	"bytes"
	"unsafe"
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
	old := d.html
	pre := 0
	for pre < len(old) && pre < len(html) && old[pre] == html[pre] {
		pre++
	}
	suf := 0
	for suf < len(old)-pre && suf < len(html)-pre && old[len(old)-1-suf] == html[len(html)-1-suf] {
		suf++
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
	oldRun, ok := p.parseRun(d, unsafe.String(unsafe.SliceData(old), len(old)), &r, leaf)
	if !ok {
		return nil, false
	}
	delta := len(html) - len(old)
	r.end += delta
	newRun, ok := p.parseRun(d, unsafe.String(unsafe.SliceData(html), len(html)), &r, nil)
	if !ok {
		return nil, false
	}
	kids := newRun.Children
	switch {
	case len(kids) == 0 && r.textBefore && r.textAfter,
		len(kids) > 0 && kids[0].Type == TextNode && r.textBefore,
		len(kids) > 0 && kids[len(kids)-1].Type == TextNode && r.textAfter:
		return nil, false // the run's text would merge with its neighbours
	}

	c := &Change{Index: r.index, Path: make([]int, len(r.levels)), Ancestors: p.chain()}
	parent := &Node{Type: RootNode}
	if len(c.Ancestors) > 0 {
		parent = c.Ancestors[len(c.Ancestors)-1]
	}
	for i, l := range r.levels {
		c.Path[i] = l.index
	}
	o, n := *parent, *parent
	o.Children, n.Children = oldRun.Children, kids
	c.Old, c.New = &o, &n

	// The new spans replace the run's; those after it move by delta, and
	// the run's ancestors grow by it.
	added := int32(len(p.b.spans) - p.spans0)
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
	d.spans = spliceSpans(d.spans, r.ent0, r.entEnd, p.b.spans[p.spans0:])
	if len(r.levels) == 0 {
		d.kids += len(kids) - len(oldRun.Children)
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
			return nil, false
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
	p.pos = r.start
	if !p.markup(r.end) || len(p.b.open) != p.floor {
		return nil, false
	}
	return p.b.finishKids(), true
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
