package render

import (
	"bytes"
	"strings"
	"sync"

	"golang.org/x/net/html"
)

// ParseFragment parses html as the browser does when it is set as the
// innerHTML of a <div>: the returned synthetic root (Type [RootNode]) has as
// children exactly the nodes the HTML5 fragment parsing algorithm builds,
// with entities decoded, adjacent text merged and empty text dropped.
//
// Well-nested markup, which is what templ emits, takes a fast path of its
// own. Whatever that path does not handle with certainty (misnesting, implied
// end tags, foster parenting, foreign content, unusual entities) is parsed by
// golang.org/x/net/html instead, so the result is always that parser's tree.
// The only intended difference: a repeated attribute keeps its first value
// and drops the rest, as browsers do.
//
// The tree's strings share one copy of html; html may be reused once
// ParseFragment returns.
func ParseFragment(html []byte) (*Node, error) {
	src := string(html)
	if bytes.IndexByte(html, 0) < 0 && bytes.IndexByte(html, '\r') < 0 {
		p := parserPool.Get().(*parser)
		p.b.index = false
		root, ok := p.parse(src)
		p.src = ""
		parserPool.Put(p)
		if ok {
			return root, nil
		}
	}
	return parseSlow(src, nil)
}

var parserPool = sync.Pool{New: func() any { return new(parser) }}

// parser is the fast path: a tokenizer and tree builder for well-nested
// markup. Anything it does not handle exactly as the HTML5 tree construction
// rules do makes parse report false, and the caller falls back.
type parser struct {
	b      builder
	src    string
	pos    int
	cnt    [nCounted]int32 // open elements per counted tag
	floor  int             // open elements the markup may not close (see parseRun)
	spans0 int             // the first span of the run parseRun parses
}

// maxFastDepth bounds the nesting the fast path builds; deeper markup goes
// to x/net/html, which refuses more than 512 open elements, as browsers
// stop nesting at about that depth too.
const maxFastDepth = 500

// Tags whose open count decides whether a start tag is simple.
const (
	cP = iota
	cA
	cForm
	cButton
	cSelect
	nCounted
)

// Tag classes for the fast path.
const (
	tFallback uint16 = 1 << iota // never handled by the fast path
	tVoid                        // no end tag, no children
	tRaw                         // script, style: raw text
	tRCDATA                      // textarea, title: text with entities
	tCloseP                      // closes an open <p> in button scope
	tHeading                     // h1-h6
	tTable                       // table structure: only inside a table
	tBoundary                    // ends the button scope
	tStopper                     // special: stops the <li>/<dd> search
	tImplied                     // has implied end tags (dd dt li optgroup option p rb rp rt rtc)
)

func classify(tag string) uint16 {
	switch tag {
	case "section", "article", "aside", "nav", "header", "footer", "main", "ul", "ol",
		"menu", "dl", "blockquote", "fieldset", "figure", "figcaption", "details", "summary",
		"center", "dir", "hgroup":
		return tCloseP | tStopper
	case "div", "address", "dialog", "search":
		// The <li> search walks through div and address; dialog and search
		// are not special to x/net/html.
		return tCloseP
	case "p":
		return tCloseP | tImplied
	case "h1", "h2", "h3", "h4", "h5", "h6":
		return tCloseP | tHeading | tStopper
	case "pre", "listing", "form":
		return tCloseP | tStopper
	case "hr":
		return tCloseP | tVoid
	case "table":
		return tCloseP | tBoundary | tStopper
	case "td", "th", "caption":
		return tTable | tBoundary | tStopper
	case "tr", "tbody", "thead", "tfoot", "colgroup", "col":
		return tTable | tStopper
	case "applet", "marquee", "object":
		return tBoundary | tStopper
	case "button":
		return tBoundary | tStopper
	case "select":
		return tBoundary | tStopper
	case "area", "br", "embed", "img", "input", "keygen", "wbr", "param", "source", "track",
		"base", "basefont", "bgsound", "link", "meta":
		return tVoid
	case "script", "style":
		return tRaw | tStopper
	case "textarea", "title":
		return tRCDATA | tStopper
	case "li", "dd", "dt", "option", "optgroup", "rb", "rp", "rt", "rtc":
		return tImplied
	case "html", "head", "body", "frameset", "frame", "template", "plaintext", "xmp", "iframe",
		"noembed", "noframes", "noscript", "image", "nobr", "math", "svg", "isindex":
		return tFallback
	}
	return 0
}

func (p *parser) parse(src string) (*Node, bool) {
	p.b.reset()
	p.src, p.pos, p.cnt, p.floor = src, 0, [nCounted]int32{}, 0
	if !p.markup(len(src)) || len(p.b.open) > 0 {
		return nil, false
	}
	return p.b.finish(), true
}

// markup parses p.src from p.pos to end, which must end a node.
func (p *parser) markup(end int) bool {
	src := p.src
	for p.pos < end {
		i := strings.IndexByte(src[p.pos:end], '<')
		if i < 0 {
			if !p.text(src[p.pos:end]) {
				return false
			}
			p.pos = end
			break
		}
		if i > 0 && !p.text(src[p.pos:p.pos+i]) {
			return false
		}
		p.pos += i
		if p.pos+1 >= end {
			return false
		}
		var ok bool
		switch c := src[p.pos+1]; {
		case isLetter(c):
			ok = p.startTag()
		case c == '/':
			ok = p.endTag()
		case c == '!':
			ok = p.comment()
		}
		if !ok {
			return false
		}
	}
	return p.pos == end
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\f' }

// mode is the insertion mode the current node implies.
type mode uint8

const (
	inBody mode = iota
	inTable
	inTableBody
	inRow
	inColgroup
)

func (p *parser) current() *frame {
	if len(p.b.open) == 0 {
		return nil
	}
	return &p.b.open[len(p.b.open)-1]
}

func (p *parser) mode() mode {
	f := p.current()
	if f == nil {
		return inBody
	}
	switch f.n.data {
	case "table":
		return inTable
	case "tbody", "thead", "tfoot":
		return inTableBody
	case "tr":
		return inRow
	case "colgroup":
		return inColgroup
	}
	return inBody
}

func (p *parser) text(s string) bool {
	if strings.IndexByte(s, '&') >= 0 {
		var ok bool
		if s, ok = decode(s); !ok {
			return false
		}
	}
	if p.mode() != inBody {
		for i := range len(s) {
			if !isSpace(s[i]) {
				return false // foster parenting
			}
		}
	}
	if f := p.current(); f != nil && (f.n.data == "pre" || f.n.data == "listing") &&
		int32(len(p.b.kids)) == f.kid0 && strings.HasPrefix(s, "\n") {
		s = s[1:]
	}
	p.b.text(s)
	return true
}

func (p *parser) comment() bool {
	rest := p.src[p.pos:]
	if !strings.HasPrefix(rest, "<!--") {
		return false
	}
	end := strings.Index(rest[4:], "-->")
	if end < 0 {
		return false
	}
	body := rest[4 : 4+end]
	if strings.HasPrefix(body, ">") || strings.HasPrefix(body, "->") ||
		strings.Contains(body, "--!") || strings.Contains(body, "<!-") {
		return false
	}
	p.b.tag0 = int32(p.pos)
	p.pos += 4 + end + 3
	p.b.pos = int32(p.pos)
	p.b.comment(body)
	return true
}

// name reads a tag or attribute name at p.pos and returns it lower-cased.
func (p *parser) name(attr bool) (string, bool) {
	s := p.src
	i := p.pos
	upper := false
	for ; i < len(s); i++ {
		c := s[i]
		if isSpace(c) || c == '/' || c == '>' || (attr && c == '=') {
			break
		}
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == ':', c == '.':
		case 'A' <= c && c <= 'Z':
			upper = true
		case attr && c == '@':
		default:
			return "", false
		}
	}
	if i == p.pos {
		return "", false
	}
	n := s[p.pos:i]
	p.pos = i
	if upper {
		n = strings.ToLower(n)
	}
	return n, true
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && isSpace(p.src[p.pos]) {
		p.pos++
	}
}

// attrs reads the attributes of a start tag up to and including its '>'.
func (p *parser) attrs() bool {
	s := p.src
	a0 := len(p.b.attrs)
	for {
		for p.pos < len(s) && (isSpace(s[p.pos]) || s[p.pos] == '/') {
			p.pos++
		}
		if p.pos >= len(s) {
			return false
		}
		if s[p.pos] == '>' {
			p.pos++
			return true
		}
		key, ok := p.name(true)
		if !ok {
			return false
		}
		for _, a := range p.b.attrs[a0:] {
			if a.Key == key {
				return false
			}
		}
		p.skipSpace()
		val := ""
		if p.pos < len(s) && s[p.pos] == '=' {
			p.pos++
			p.skipSpace()
			if p.pos >= len(s) {
				return false
			}
			switch q := s[p.pos]; q {
			case '"', '\'':
				end := strings.IndexByte(s[p.pos+1:], q)
				if end < 0 {
					return false
				}
				val = s[p.pos+1 : p.pos+1+end]
				p.pos += end + 2
			default:
				i := p.pos
				for i < len(s) && !isSpace(s[i]) && s[i] != '>' {
					switch s[i] {
					case '"', '\'', '<', '=', '`', '/':
						return false
					}
					i++
				}
				val = s[p.pos:i]
				p.pos = i
			}
			if strings.IndexByte(val, '&') >= 0 {
				if val, ok = decode(val); !ok {
					return false
				}
			}
		}
		p.b.attrs = append(p.b.attrs, Attr{Key: key, Val: val})
	}
}

func (p *parser) startTag() bool {
	p.b.tag0 = int32(p.pos)
	p.pos++
	tag, ok := p.name(false)
	if !ok {
		return false
	}
	a0 := len(p.b.attrs)
	if !p.attrs() {
		return false
	}
	cls := classify(tag)
	if cls&tFallback != 0 || len(p.b.open) >= maxFastDepth {
		return false
	}
	cur := p.current()
	switch p.mode() {
	case inTable:
		switch tag {
		case "caption", "colgroup", "thead", "tbody", "tfoot":
			p.b.start(tag, HTML, a0, 0)
			return true
		case "tr":
			p.b.start("tbody", HTML, len(p.b.attrs), frameImplied)
			p.b.start(tag, HTML, a0, 0)
			return true
		case "script", "style":
			return p.rawElement(tag, a0, cls)
		}
		return false
	case inTableBody:
		switch tag {
		case "tr":
			p.b.start(tag, HTML, a0, 0)
			return true
		case "script", "style":
			return p.rawElement(tag, a0, cls)
		}
		return false
	case inRow:
		switch tag {
		case "td", "th":
			p.b.start(tag, HTML, a0, 0)
			return true
		case "script", "style":
			return p.rawElement(tag, a0, cls)
		}
		return false
	case inColgroup:
		if tag == "col" {
			p.b.pos = int32(p.pos)
			p.b.void(tag, HTML, a0)
			return true
		}
		return false
	}
	if cls&tTable != 0 {
		return false
	}
	if p.cnt[cSelect] > 0 && tag != "option" && tag != "optgroup" {
		return false
	}
	if cls&tCloseP != 0 && !p.noPInButtonScope() {
		return false
	}
	counted := -1
	switch tag {
	case "p":
		counted = cP
	case "a":
		counted = cA
	case "form":
		counted = cForm
	case "button":
		counted = cButton
	case "select":
		counted = cSelect
	case "li":
		if !p.noOpen(func(t string) bool { return t == "li" }) {
			return false
		}
		if !p.noPInButtonScope() {
			return false
		}
	case "dd", "dt":
		if !p.noOpen(func(t string) bool { return t == "dd" || t == "dt" }) {
			return false
		}
		if !p.noPInButtonScope() {
			return false
		}
	case "option":
		if cur != nil && classify(cur.n.data)&tImplied != 0 && cur.n.data != "optgroup" {
			return false
		}
	case "optgroup", "rb", "rp", "rt", "rtc":
		if cur != nil && classify(cur.n.data)&tImplied != 0 {
			return false
		}
	}
	if counted >= 0 {
		if counted != cP && p.cnt[counted] > 0 {
			return false
		}
		p.cnt[counted]++
	}
	switch {
	case cls&tHeading != 0:
		if cur != nil && classify(cur.n.data)&tHeading != 0 {
			return false
		}
	case cls&tVoid != 0:
		p.b.pos = int32(p.pos)
		p.b.void(tag, HTML, a0)
		return true
	case cls&(tRaw|tRCDATA) != 0:
		return p.rawElement(tag, a0, cls)
	}
	p.b.start(tag, HTML, a0, uint8(counted+1)<<4)
	return true
}

// noPInButtonScope reports whether no <p> is open in button scope, so a
// start tag that closes one has nothing to close.
func (p *parser) noPInButtonScope() bool {
	if p.cnt[cP] == 0 {
		return true
	}
	for i := len(p.b.open) - 1; i >= 0; i-- {
		t := p.b.open[i].n.data
		if t == "p" {
			return false
		}
		if classify(t)&tBoundary != 0 {
			return true
		}
	}
	return true
}

// noOpen reports whether the search the parser does for a <li>, <dd> or <dt>
// start tag (walking the open elements up to a special one) finds nothing to
// close.
func (p *parser) noOpen(match func(string) bool) bool {
	for i := len(p.b.open) - 1; i >= 0; i-- {
		t := p.b.open[i].n.data
		if match(t) {
			return false
		}
		if classify(t)&tStopper != 0 {
			return true
		}
	}
	return true
}

// rawElement reads the content of a script, style, textarea or title
// element, which ends only at its own end tag.
func (p *parser) rawElement(tag string, a0 int, cls uint16) bool {
	s := p.src
	start := p.pos
	i := start
	for {
		j := strings.Index(s[i:], "</")
		if j < 0 {
			return false
		}
		i += j
		k := i + 2 + len(tag)
		if k < len(s) && strings.EqualFold(s[i+2:k], tag) {
			if s[k] == '>' {
				break
			}
			if isSpace(s[k]) || s[k] == '/' {
				return false
			}
		}
		i += 2
	}
	body := s[start:i]
	p.pos = i + 3 + len(tag)
	if cls&tRCDATA != 0 {
		if strings.IndexByte(body, '&') >= 0 {
			var ok bool
			if body, ok = decode(body); !ok {
				return false
			}
		}
		if tag == "textarea" {
			body = strings.TrimPrefix(body, "\n")
		}
	} else if tag == "script" && strings.Contains(body, "<!--") {
		return false
	}
	p.b.start(tag, HTML, a0, 0)
	p.b.text(body)
	p.b.pos = int32(p.pos)
	p.b.end()
	return true
}

func (p *parser) endTag() bool {
	tag0 := p.pos
	p.pos += 2
	if p.pos >= len(p.src) || !isLetter(p.src[p.pos]) {
		return false
	}
	tag, ok := p.name(false)
	if !ok {
		return false
	}
	p.skipSpace()
	if p.pos >= len(p.src) || p.src[p.pos] != '>' {
		return false
	}
	p.pos++
	if len(p.b.open) <= p.floor {
		return false
	}
	f := p.current()
	if f.flags&frameImplied != 0 && tag == "table" {
		if len(p.b.open) <= p.floor+1 {
			return false
		}
		p.b.pos = int32(tag0)
		p.b.end()
		f = p.current()
	}
	if f.n.data != tag {
		return false
	}
	if c := f.flags >> 4; c > 0 {
		p.cnt[c-1]--
	}
	p.b.pos = int32(p.pos)
	p.b.end()
	return true
}

// decode replaces character references that end in ';' and name an entity
// exactly, or a code point outside the ranges the parser remaps. It reports
// false for any other '&', whose meaning depends on rules (legacy names
// without ';', numeric remapping, attribute context) the fallback parser
// implements.
func decode(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return b.String(), true
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		j := strings.IndexByte(s, ';')
		if j < 1 || j > 32 {
			return "", false
		}
		ref := s[:j]
		s = s[j+1:]
		switch ref {
		case "amp":
			b.WriteByte('&')
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		case "nbsp":
			b.WriteString("\u00a0")
		default:
			if ref[0] == '#' {
				r, ok := numericRef(ref)
				if !ok {
					return "", false
				}
				b.WriteRune(r)
				continue
			}
			v, ok := namedRef(ref)
			if !ok {
				return "", false
			}
			b.WriteString(v)
		}
	}
}

// namedRef decodes the named character reference "&" + ref + ";" when ref
// is exactly the name of an entity. A reference that only starts with the
// name of one (&notit; is "¬it;" in text but stays as is in an attribute)
// reports false.
func namedRef(ref string) (string, bool) {
	for i := range len(ref) {
		c := ref[i]
		if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9') {
			return "", false
		}
	}
	full := "&" + ref + ";"
	v := html.UnescapeString(full)
	if v == full || v == "" {
		return "", false
	}
	for i := range len(v) {
		c := v[i]
		if c == ';' || c == '&' || 'a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' {
			return "", false // part of the name was left over
		}
	}
	return v, true
}

func numericRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	base, digits := 10, ref[1:]
	if digits[0] == 'x' || digits[0] == 'X' {
		base, digits = 16, digits[1:]
	}
	if digits == "" || len(digits) > 6 {
		return 0, false
	}
	r := rune(0)
	for i := range len(digits) {
		c := digits[i]
		var d rune
		switch {
		case '0' <= c && c <= '9':
			d = rune(c - '0')
		case base == 16 && 'a' <= c|0x20 && c|0x20 <= 'f':
			d = rune(c|0x20-'a') + 10
		default:
			return 0, false
		}
		r = r*rune(base) + d
	}
	switch {
	case r == '\t', r == '\n', 0x20 <= r && r <= 0x7e, 0xa0 <= r && r <= 0xd7ff, 0xe000 <= r && r <= 0xfdcf,
		0xfdf0 <= r && r <= 0xfffd:
		return r, true
	}
	return 0, false
}
