package render

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// genMarkup writes random, mostly well-nested markup from the tags whose
// tree construction rules the fast path implements, with a dose of the
// mistakes that make those rules matter: missing end tags, stray end tags,
// text in tables, blocks in paragraphs.
func genMarkup(r *rand.Rand, b *strings.Builder, depth int) {
	tags := []string{"div", "p", "span", "a", "b", "i", "li", "ul", "dl", "dt", "dd", "h1", "h2", "pre", "form",
		"button", "select", "option", "optgroup", "table", "tbody", "thead", "tr", "td", "th", "caption", "colgroup",
		"section", "em", "label", "textarea", "title", "script", "style", "listing", "rt", "ruby", "object", "my-el",
		"address", "dialog", "search", "article", "nobr", "svg", "math", "image", "iframe", "noscript", "xmp", "rb",
		"rp", "rtc", "marquee", "font", "u", "s", "DIV", "Td", "menu", "details", "summary", "fieldset", "legend"}
	texts := []string{"x", " ", "\n", "a &amp; b", "&lt;", "&nbsp;", "&#169;", "&copy", "<!--c-->", "\n  ", "&#x1F600;", "&mdash;", "&notit;", "&semi;", "&NotEqualTilde;", "&amp", "&#128;"}
	for range r.IntN(4) {
		switch k := r.IntN(10); {
		case k < 3:
			b.WriteString(texts[r.IntN(len(texts))])
		case k == 3:
			b.WriteString([]string{"<br>", "<img src=x>", "<input>", "<hr>", "<col>", "<br/>", "</p>", "</div>", "</td>"}[r.IntN(9)])
		case depth > 0:
			tag := tags[r.IntN(len(tags))]
			b.WriteString("<" + tag)
			switch r.IntN(6) {
			case 0:
				b.WriteString(` class="c" id=i` + string(rune('0'+r.IntN(3))))
			case 1:
				b.WriteString(` type=hidden CLASS='a&amp;b' class=dup`)
			case 2:
				b.WriteString(` title="&quot;x&#39;&hellip;" data-v=1/ alt="&notit;&copy=&mdash;"`)
			}
			b.WriteString(">")
			genMarkup(r, b, depth-1)
			if r.IntN(12) != 0 {
				b.WriteString("</" + tag + ">")
			}
		}
	}
}

func TestRandomMarkupMatchesHTML5Parser(t *testing.T) {
	t.Parallel()
	seed := uint64(7)
	if s := os.Getenv("RENDER_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	r := rand.New(rand.NewPCG(seed, 8))
	fast := 0
	for range 5000 {
		var b strings.Builder
		genMarkup(r, &b, 5)
		src := b.String()
		var p parser
		if _, ok := p.parse(src); ok {
			fast++
		}
		checkFidelity(t, []byte(src))
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of 5000 documents took the fast path", fast)
}
