package render

// builder assembles a tree bottom-up into flat scratch slices and then copies
// it into exactly sized slices, so a finished tree costs three allocations
// (nodes, attributes, root) and no capacity is wasted in the memory a view
// keeps. The fast parser and the conversion from x/net/html both use it.
type builder struct {
	kids     []pnode // completed children of the open elements, innermost last
	open     []frame // open elements
	arena    []pnode // nodes whose parent is complete, siblings contiguous
	attrs    []Attr  // attributes of every node, by node
	sorted   bool    // a formatting element has two attributes or more (see restoreAttrOrder)
	comments bool    // the tree has comments (see restoreComments)

	// With index set, the fast parser records a span for every element and
	// comment (see Doc): it sets tag0 where the markup of what it builds
	// starts and pos where it ends.
	index     bool
	spans     []span
	tag0, pos int32
}

// pnode is a node under construction: its children and attributes are
// ranges of the builder's arena and attrs.
type pnode struct {
	typ    NodeType
	ns     Namespace
	data   string
	a0, an int32
	c0, cn int32
}

type frame struct {
	n     pnode
	kid0  int32 // index in kids of this element's first child
	ent   int32 // index in spans of this element's span
	flags uint8
}

const (
	frameImplied uint8 = 1 << iota // an implied element (tbody) the markup has no end tag for
)

func (b *builder) reset() {
	b.kids = b.kids[:0]
	b.open = b.open[:0]
	b.arena = b.arena[:0]
	b.attrs = b.attrs[:0]
	b.spans = b.spans[:0]
}

// text adds a text node to the current element, merging it into a preceding
// text sibling: a parsed DOM never has two adjacent text nodes.
func (b *builder) text(s string) {
	if s == "" {
		return
	}
	k0 := int32(0)
	if len(b.open) > 0 {
		k0 = b.open[len(b.open)-1].kid0
	}
	if int32(len(b.kids)) > k0 && b.kids[len(b.kids)-1].typ == TextNode {
		b.kids[len(b.kids)-1].data += s
		return
	}
	b.kids = append(b.kids, pnode{typ: TextNode, data: s})
}

func (b *builder) comment(s string) {
	b.kids = append(b.kids, pnode{typ: CommentNode, data: s})
	b.leaf()
}

// leaf records the span of a node without children.
func (b *builder) leaf() {
	if b.index {
		b.spans = append(b.spans, span{start: b.tag0, end: b.pos, n: 1<<spanShift | spanLeaf})
	}
}

// start opens an element whose attributes are b.attrs[a0:].
func (b *builder) start(tag string, ns Namespace, a0 int, flags uint8) {
	b.open = append(b.open, frame{
		n:     pnode{typ: ElementNode, ns: ns, data: tag, a0: int32(a0), an: int32(len(b.attrs) - a0)},
		kid0:  int32(len(b.kids)),
		ent:   int32(len(b.spans)),
		flags: flags,
	})
	if b.index {
		b.spans = append(b.spans, span{start: b.tag0, n: spanFlags(tag, flags)})
	}
}

// void adds an element without children whose attributes are b.attrs[a0:].
func (b *builder) void(tag string, ns Namespace, a0 int) {
	b.kids = append(b.kids, pnode{typ: ElementNode, ns: ns, data: tag, a0: int32(a0), an: int32(len(b.attrs) - a0)})
	b.leaf()
}

// end closes the innermost open element.
func (b *builder) end() {
	f := b.open[len(b.open)-1]
	b.open = b.open[:len(b.open)-1]
	f.n.c0 = int32(len(b.arena))
	f.n.cn = int32(len(b.kids)) - f.kid0
	b.arena = append(b.arena, b.kids[f.kid0:]...)
	b.kids = append(b.kids[:f.kid0], f.n)
	if b.index {
		s := &b.spans[f.ent]
		s.end = b.pos
		s.n = (int32(len(b.spans))-f.ent)<<spanShift | s.n&spanFlagMask
	}
}

// finish closes what is still open and returns the tree.
func (b *builder) finish() *Node {
	for len(b.open) > 0 {
		b.end()
	}
	return b.finishKids()
}

// finishKids returns a root whose children are the completed nodes in
// kids: the whole tree once nothing is open, or the children of the open
// elements (see parseRun).
func (b *builder) finishKids() *Node {
	r0 := int32(len(b.arena))
	b.arena = append(b.arena, b.kids...)
	nodes := make([]Node, len(b.arena))
	var attrs []Attr
	if len(b.attrs) > 0 {
		attrs = make([]Attr, len(b.attrs))
		copy(attrs, b.attrs)
	}
	for i := range b.arena {
		p := &b.arena[i]
		n := &nodes[i]
		n.Type, n.Namespace, n.Data = p.typ, p.ns, p.data
		if p.an > 0 {
			n.Attrs = attrs[p.a0 : p.a0+p.an : p.a0+p.an]
		}
		if p.cn > 0 {
			n.Children = nodes[p.c0 : p.c0+p.cn : p.c0+p.cn]
		}
	}
	root := &Node{Type: RootNode}
	if len(nodes) > int(r0) {
		root.Children = nodes[r0:len(nodes):len(nodes)]
	}
	return root
}
