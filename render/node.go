package render

import (
	"strings"
)

// NodeType says what kind of DOM node a [Node] is.
type NodeType uint8

// The node types a fragment can hold. A fragment parsed in a <div> never
// contains a document or a doctype, so those have no type here.
const (
	RootNode NodeType = iota
	ElementNode
	TextNode
	CommentNode
)

// Namespace is an element's namespace: HTML, or the foreign SVG and MathML
// namespaces the parser switches to inside <svg> and <math>.
type Namespace uint8

// The namespaces an element can be in.
const (
	HTML Namespace = iota
	SVG
	MathML
)

// Attr is one attribute. Key is lower case for HTML elements and carries the
// parser's case adjustment for foreign ones (viewBox); a namespaced foreign
// attribute keeps its prefix (xlink:href).
type Attr struct {
	Key, Val string
}

// Node is one node of a parsed fragment. It is deliberately small (72 bytes):
// a tree is built for both sides of every diff, and some are kept between
// renders ([Compact]). All nodes of a tree live in one slice, their
// attributes in another, and their strings share the parsed source wherever
// no entity had to be decoded, so a tree costs a few allocations however
// large it is.
//
// Data is the tag name of an element and the text of a text or comment node.
// Children and Attrs are owned by the tree; a Node is not safe for concurrent
// mutation, but any number of goroutines may read a tree nobody mutates.
type Node struct {
	Type      NodeType
	Namespace Namespace
	Data      string
	Attrs     []Attr
	Children  []Node
}

// Attr returns the value of the attribute key and whether it is present.
func (n *Node) Attr(key string) (string, bool) {
	for i := range n.Attrs {
		if n.Attrs[i].Key == key {
			return n.Attrs[i].Val, true
		}
	}
	return "", false
}

// Equal reports whether two trees are structurally equal: the same node
// types and boundaries, tags, namespaces, attributes in order, and text.
func Equal(a, b *Node) bool {
	if a.Type != b.Type || a.Namespace != b.Namespace || a.Data != b.Data ||
		len(a.Attrs) != len(b.Attrs) || len(a.Children) != len(b.Children) {
		return false
	}
	for i := range a.Attrs {
		if a.Attrs[i] != b.Attrs[i] {
			return false
		}
	}
	for i := range a.Children {
		if !Equal(&a.Children[i], &b.Children[i]) {
			return false
		}
	}
	return true
}

// Clone returns a deep copy of n that shares only its strings.
func (n *Node) Clone() *Node {
	c := *n
	c.Attrs = append([]Attr(nil), n.Attrs...)
	c.Children = make([]Node, len(n.Children))
	for i := range n.Children {
		c.Children[i] = *n.Children[i].Clone()
	}
	return &c
}

// Void reports whether an HTML element of this tag has no end tag and no
// children.
func Void(tag string) bool {
	switch tag {
	case "area", "base", "basefont", "bgsound", "br", "col", "embed", "frame", "hr",
		"img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}

// rawText reports whether the text children of an HTML element of this tag
// are serialized verbatim instead of escaped.
func rawText(tag string) bool {
	switch tag {
	case "script", "style", "xmp", "iframe", "noembed", "noframes", "plaintext", "noscript":
		return true
	}
	return false
}

// AppendHTML appends the serialization of n to dst: the markup of its children
// for a root, the node itself otherwise. Parsing the result in the context of
// n's parent gives back n for every tree the parser builds from well-nested
// markup.
func (n *Node) AppendHTML(dst []byte) []byte {
	if n.Type == RootNode {
		return AppendChildren(dst, n, n.Children)
	}
	return appendNode(dst, n, false)
}

// AppendChildren appends the serialization of the nodes kids, which are
// children (or a run of children) of parent.
func AppendChildren(dst []byte, parent *Node, kids []Node) []byte {
	raw := parent.Type == ElementNode && parent.Namespace == HTML && rawText(parent.Data)
	for i := range kids {
		dst = appendNode(dst, &kids[i], raw)
	}
	return dst
}

func appendNode(dst []byte, n *Node, raw bool) []byte {
	switch n.Type {
	case TextNode:
		if raw {
			return append(dst, n.Data...)
		}
		return appendEscaped(dst, n.Data, false)
	case CommentNode:
		dst = append(dst, "<!--"...)
		dst = append(dst, n.Data...)
		return append(dst, "-->"...)
	case RootNode:
		return AppendChildren(dst, n, n.Children)
	}
	dst = append(dst, '<')
	dst = append(dst, n.Data...)
	for _, a := range n.Attrs {
		dst = append(dst, ' ')
		dst = append(dst, a.Key...)
		dst = append(dst, '=', '"')
		dst = appendEscaped(dst, a.Val, true)
		dst = append(dst, '"')
	}
	dst = append(dst, '>')
	if n.Namespace == HTML {
		if Void(n.Data) {
			return dst
		}
		switch n.Data {
		case "pre", "listing", "textarea":
			// The parser drops a newline right after these start tags.
			if len(n.Children) > 0 && n.Children[0].Type == TextNode && strings.HasPrefix(n.Children[0].Data, "\n") {
				dst = append(dst, '\n')
			}
		}
	}
	dst = AppendChildren(dst, n, n.Children)
	dst = append(dst, '<', '/')
	dst = append(dst, n.Data...)
	return append(dst, '>')
}

func appendEscaped(dst []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			if attr {
				continue
			}
			esc = "&lt;"
		case '>':
			if attr {
				continue
			}
			esc = "&gt;"
		case '"':
			if !attr {
				continue
			}
			esc = "&#34;"
		case '\r':
			esc = "&#13;"
		case 0xc2:
			// U+00A0 is escaped, like browsers do, so the markup stays readable.
			if i+1 < len(s) && s[i+1] == 0xa0 {
				dst = append(dst, s[last:i]...)
				dst = append(dst, "&nbsp;"...)
				i++
				last = i + 1
			}
			continue
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, esc...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}
