package render

import (
	"fmt"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parseSlow parses src with x/net/html's complete HTML5 parser in the context
// of the given ancestor chain (outermost first; nil means a <div>) and
// converts the result.
func parseSlow(src string, ancestors []*Node) (*Node, error) {
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	if len(ancestors) > 0 {
		var parent *html.Node
		for _, a := range ancestors {
			n := &html.Node{Type: html.ElementNode, Data: a.Data, DataAtom: atom.Lookup([]byte(a.Data))}
			// Attributes matter to the parser: <annotation-xml
			// encoding="text/html"> is an HTML integration point.
			for _, at := range a.Attrs {
				n.Attr = append(n.Attr, html.Attribute{Key: at.Key, Val: at.Val})
			}
			switch a.Namespace {
			case SVG:
				n.Namespace = "svg"
			case MathML:
				n.Namespace = "math"
			}
			if parent != nil {
				parent.AppendChild(n)
			}
			parent = n
		}
		ctx = parent
	}
	nodes, err := html.ParseFragment(strings.NewReader(src), ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrParse, err)
	}
	var b builder
	for _, n := range nodes {
		b.convert(n)
	}
	root := b.finish()
	ctxTag := ""
	if len(ancestors) > 0 && ancestors[len(ancestors)-1].Namespace == HTML {
		ctxTag = ancestors[len(ancestors)-1].Data
	}
	if b.sorted {
		restoreAttrOrder(root, src, ctxTag)
	}
	if b.comments && strings.Contains(src, "&") {
		restoreComments(root, src, ctxTag)
	}
	return root, nil
}

// restoreComments undoes x/net/html's decoding of character references in
// comments, which browsers leave alone ("<!--&amp;-->" is a comment whose
// data is "&amp;"). The tree builder keeps comments in source order, so the
// i-th comment of the tree is the i-th comment token; if the counts differ
// (markup the standalone tokenizer reads differently from the parser, such
// as <style> inside <svg>), the tree is left as x/net/html built it.
func restoreComments(root *Node, src, ctxTag string) {
	var raw []string // the data of each comment token, or "\x00" for one left alone
	z := html.NewTokenizerFragment(strings.NewReader(src), ctxTag)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.CommentToken {
			continue
		}
		r := string(z.Raw())
		data, ok := strings.CutPrefix(r, "<!--")
		if ok {
			data, ok = strings.CutSuffix(data, "-->")
		}
		if !ok || strings.HasPrefix(data, ">") || strings.HasPrefix(data, "->") || strings.Contains(data, "--!") {
			raw = append(raw, "\x00")
			continue
		}
		data = strings.ReplaceAll(data, "\r\n", "\n")
		data = strings.ReplaceAll(data, "\r", "\n")
		data = strings.ReplaceAll(data, "\x00", "\ufffd")
		raw = append(raw, data)
	}
	var comments []*Node
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.Type == CommentNode {
			comments = append(comments, n)
		}
		for i := range n.Children {
			walk(&n.Children[i])
		}
	}
	walk(root)
	if len(comments) != len(raw) {
		return
	}
	for i, c := range comments {
		if raw[i] != "\x00" {
			c.Data = raw[i]
		}
	}
}

// formatting reports whether tag is one of the elements whose attributes
// x/net/html sorts.
func formatting(tag string) bool {
	switch tag {
	case "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt", "u":
		return true
	}
	return false
}

// restoreAttrOrder undoes x/net/html's sorting of the attributes of
// formatting elements: it gives each such element the order of a start tag
// in src with the same name and the same attributes. Browsers keep that
// order, and a patch that sets an attribute must find the same position on
// both sides.
func restoreAttrOrder(root *Node, src, ctxTag string) {
	orders := map[string][][]Attr{}
	z := html.NewTokenizerFragment(strings.NewReader(src), ctxTag)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		t := z.Token()
		if len(t.Attr) < 2 || !formatting(t.Data) {
			continue
		}
		attrs := make([]Attr, 0, len(t.Attr))
		for _, a := range t.Attr {
			if !hasKey(attrs, a.Key) {
				attrs = append(attrs, Attr{Key: a.Key, Val: a.Val})
			}
		}
		orders[t.Data] = append(orders[t.Data], attrs)
	}
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.Type == ElementNode && n.Namespace == HTML && len(n.Attrs) >= 2 && formatting(n.Data) {
		candidates:
			for _, order := range orders[n.Data] {
				if len(order) != len(n.Attrs) {
					continue
				}
				for _, a := range n.Attrs {
					if v, ok := attrVal(order, a.Key); !ok || v != a.Val {
						continue candidates
					}
				}
				copy(n.Attrs, order)
				break
			}
		}
		for i := range n.Children {
			walk(&n.Children[i])
		}
	}
	walk(root)
}

func hasKey(attrs []Attr, key string) bool {
	_, ok := attrVal(attrs, key)
	return ok
}

func attrVal(attrs []Attr, key string) (string, bool) {
	for _, a := range attrs {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func (b *builder) convert(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		b.text(n.Data)
	case html.CommentNode:
		b.comments = true
		b.comment(n.Data)
	case html.ElementNode:
		ns := HTML
		switch n.Namespace {
		case "svg":
			ns = SVG
		case "math":
			ns = MathML
		}
		a0 := len(b.attrs)
	attrs:
		for _, a := range n.Attr {
			key := a.Key
			if a.Namespace != "" {
				key = a.Namespace + ":" + a.Key
			}
			for _, have := range b.attrs[a0:] {
				if have.Key == key {
					continue attrs // browsers keep the first of repeated attributes
				}
			}
			b.attrs = append(b.attrs, Attr{Key: key, Val: a.Val})
		}
		if ns == HTML && len(b.attrs)-a0 >= 2 && formatting(n.Data) {
			b.sorted = true
		}
		b.start(n.Data, ns, a0, 0)
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.convert(c)
		}
		b.end()
	}
}

// ParseFragmentIn parses html as the browser does for
// Range.createContextualFragment with the last of ancestors as the context
// element: the way a patch's inserted markup is parsed. ancestors is the chain
// of elements from the view root's first level down to the parent, outermost
// first; an empty chain means the view root, a <div>. The chain matters beyond
// its last element because a <form> ancestor changes how a nested <form> tag
// parses.
func ParseFragmentIn(html []byte, ancestors []*Node) (*Node, error) {
	if len(ancestors) == 0 {
		return ParseFragment(html)
	}
	simple := true
	for _, a := range ancestors {
		if a.Type != ElementNode {
			return nil, fmt.Errorf("%w: context is not an element", ErrParse)
		}
		if a.Namespace == HTML && a.Data == "form" {
			simple = false
		}
	}
	last := ancestors[len(ancestors)-1]
	if last.Namespace != HTML {
		simple = false
	}
	switch last.Data {
	case "table", "tbody", "thead", "tfoot", "tr", "td", "th", "caption", "colgroup", "select",
		"template", "html", "head", "body", "frameset", "textarea", "title", "plaintext":
		simple = false
	}
	if rawText(last.Data) {
		simple = false
	}
	if simple {
		return ParseFragment(html)
	}
	return parseSlow(string(html), ancestors)
}
