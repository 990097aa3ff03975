package livetest

import (
	"fmt"
	"strings"

	"github.com/templive/templive/render"
)

// A selector is a parsed CSS selector: compound selectors joined by
// descendant (" ") or child (">") combinators. It supports what tests need:
// tag, *, #id, .class, [attr] and [attr=value] (value quoted or not).
// Pseudo-classes are deliberately absent: select by id or attribute.
type selector struct {
	parts []compound
}

// compound is one step of a selector, such as button.primary[live-click].
type compound struct {
	child bool // joined to the previous step by ">"
	tag   string
	id    string
	class []string
	attrs []attrMatch
}

type attrMatch struct {
	key, val string
	hasVal   bool
}

// parseSelector parses sel, or returns an error naming what it cannot read.
func parseSelector(sel string) (*selector, error) {
	s := &selector{}
	child := false
	for _, tok := range tokenize(sel) {
		if tok == ">" {
			child = true
			continue
		}
		c, err := parseCompound(tok)
		if err != nil {
			return nil, fmt.Errorf("livetest: selector %q: %w", sel, err)
		}
		c.child = child
		child = false
		s.parts = append(s.parts, c)
	}
	if len(s.parts) == 0 || child {
		return nil, fmt.Errorf("livetest: selector %q is empty or incomplete", sel)
	}
	return s, nil
}

// tokenize splits a selector on whitespace and ">" outside brackets.
func tokenize(sel string) []string {
	var toks []string
	var cur strings.Builder
	depth := 0
	quote := byte(0)
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for i := 0; i < len(sel); i++ {
		c := sel[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
			cur.WriteByte(c)
		case c == '[':
			depth++
			cur.WriteByte(c)
		case c == ']':
			depth--
			cur.WriteByte(c)
		case depth == 0 && (c == ' ' || c == '\t' || c == '\n'):
			flush()
		case depth == 0 && c == '>':
			flush()
			toks = append(toks, ">")
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return toks
}

// parseCompound parses one compound selector.
func parseCompound(tok string) (compound, error) {
	var c compound
	i := 0
	name := func() string {
		j := i
		for j < len(tok) && !strings.ContainsRune("#.[", rune(tok[j])) {
			j++
		}
		n := tok[i:j]
		i = j
		return n
	}
	if i < len(tok) && tok[i] != '#' && tok[i] != '.' && tok[i] != '[' {
		c.tag = strings.ToLower(name())
		if c.tag == "*" {
			c.tag = ""
		}
	}
	for i < len(tok) {
		switch tok[i] {
		case '#':
			i++
			c.id = name()
		case '.':
			i++
			c.class = append(c.class, name())
		case '[':
			end := strings.IndexByte(tok[i:], ']')
			if end < 0 {
				return c, fmt.Errorf("unclosed [")
			}
			body := tok[i+1 : i+end]
			i += end + 1
			var m attrMatch
			if k, v, ok := strings.Cut(body, "="); ok {
				m.key, m.val, m.hasVal = strings.TrimSpace(k), strings.Trim(strings.TrimSpace(v), `"'`), true
			} else {
				m.key = strings.TrimSpace(body)
			}
			if m.key == "" {
				return c, fmt.Errorf("empty attribute name")
			}
			c.attrs = append(c.attrs, m)
		default:
			return c, fmt.Errorf("unexpected %q", tok[i])
		}
	}
	return c, nil
}

// matches reports whether element n matches the compound selector.
func (c *compound) matches(n *render.Node) bool {
	if n.Type != render.ElementNode || (c.tag != "" && n.Data != c.tag) {
		return false
	}
	if c.id != "" {
		if id, _ := n.Attr("id"); id != c.id {
			return false
		}
	}
	if len(c.class) > 0 {
		classes := strings.Fields(attr(n, "class"))
		for _, want := range c.class {
			found := false
			for _, have := range classes {
				if have == want {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
	}
	for _, m := range c.attrs {
		v, ok := n.Attr(m.key)
		if !ok || (m.hasVal && v != m.val) {
			return false
		}
	}
	return true
}

// all returns the elements under root that match s, in document order.
func (s *selector) all(root *render.Node) []*render.Node {
	var out []*render.Node
	var walk func(n *render.Node, ancestors []*render.Node)
	walk = func(n *render.Node, ancestors []*render.Node) {
		for i := range n.Children {
			c := &n.Children[i]
			if c.Type != render.ElementNode {
				continue
			}
			if s.matchAt(c, ancestors, len(s.parts)-1) {
				out = append(out, c)
			}
			walk(c, append(ancestors, c))
		}
	}
	walk(root, nil)
	return out
}

// matchAt reports whether n matches parts[:i+1], with ancestors the
// elements above n (nearest last).
func (s *selector) matchAt(n *render.Node, ancestors []*render.Node, i int) bool {
	if !s.parts[i].matches(n) {
		return false
	}
	if i == 0 {
		return true
	}
	if s.parts[i].child {
		return len(ancestors) > 0 && s.matchAt(ancestors[len(ancestors)-1], ancestors[:len(ancestors)-1], i-1)
	}
	for j := len(ancestors) - 1; j >= 0; j-- {
		if s.matchAt(ancestors[j], ancestors[:j], i-1) {
			return true
		}
	}
	return false
}

// attr returns an attribute's value, or "".
func attr(n *render.Node, key string) string {
	v, _ := n.Attr(key)
	return v
}

// text returns the text content of n, as DOM textContent does.
func text(n *render.Node) string {
	var b strings.Builder
	var walk func(n *render.Node)
	walk = func(n *render.Node) {
		switch n.Type {
		case render.TextNode:
			b.WriteString(n.Data)
		case render.ElementNode, render.RootNode:
			for i := range n.Children {
				walk(&n.Children[i])
			}
		}
	}
	walk(n)
	return b.String()
}
