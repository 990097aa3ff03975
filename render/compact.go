package render

import "unsafe"

// Compact returns a copy of the tree n that shares no memory with it: one
// slice of nodes, one of attributes, and one buffer for all strings, each of
// exactly the size needed. Use it to keep a tree that was edited (stream
// items cut out, say) without keeping the source of what was cut: a parsed
// tree's strings share the whole source, so one surviving string keeps all
// of it alive.
func Compact(n *Node) *Node {
	var nodes, attrs, size int
	var count func(n *Node)
	count = func(n *Node) {
		nodes += len(n.Children)
		attrs += len(n.Attrs)
		size += len(n.Data)
		for _, a := range n.Attrs {
			size += len(a.Key) + len(a.Val)
		}
		for i := range n.Children {
			count(&n.Children[i])
		}
	}
	count(n)
	c := &compactor{
		nodes: make([]Node, 0, nodes),
		attrs: make([]Attr, 0, attrs),
		buf:   make([]byte, 0, size),
	}
	root := &Node{Type: n.Type, Namespace: n.Namespace, Data: c.str(n.Data)}
	root.Attrs = c.copyAttrs(n.Attrs)
	root.Children = c.copyChildren(n.Children)
	return root
}

type compactor struct {
	nodes []Node
	attrs []Attr
	buf   []byte // never reallocated: sized for every string up front
}

// str copies s into the shared buffer. The bytes are never written again,
// so the string aliasing them stays immutable.
func (c *compactor) str(s string) string {
	if s == "" {
		return ""
	}
	start := len(c.buf)
	c.buf = append(c.buf, s...)
	return unsafe.String(&c.buf[start], len(s))
}

func (c *compactor) copyAttrs(attrs []Attr) []Attr {
	if len(attrs) == 0 {
		return nil
	}
	start := len(c.attrs)
	for _, a := range attrs {
		c.attrs = append(c.attrs, Attr{Key: c.str(a.Key), Val: c.str(a.Val)})
	}
	return c.attrs[start:len(c.attrs):len(c.attrs)]
}

// copyChildren places kids contiguously, then fills in their own children:
// siblings must be adjacent in the node slice.
func (c *compactor) copyChildren(kids []Node) []Node {
	if len(kids) == 0 {
		return nil
	}
	start := len(c.nodes)
	for i := range kids {
		k := &kids[i]
		c.nodes = append(c.nodes, Node{Type: k.Type, Namespace: k.Namespace, Data: c.str(k.Data), Attrs: c.copyAttrs(k.Attrs)})
	}
	out := c.nodes[start:len(c.nodes):len(c.nodes)]
	for i := range kids {
		out[i].Children = c.copyChildren(kids[i].Children)
	}
	return out
}
