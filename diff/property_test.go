package diff

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/templive/templive/render"
)

// genHTML writes random markup of the kind templ emits: nested elements,
// keyed and unkeyed lists, tables, whitespace, entities, void and raw-text
// elements, opaque containers. Small vocabularies make two random documents
// share a lot, which is what exercises matching.
func genHTML(r *rand.Rand, b *strings.Builder, depth int) {
	genSimilar(r.Uint64(), nil, b, depth)
}

// genSimilar generates from seed like genHTML; with alt, it changes about
// one subtree in eight, so two calls with the same seed give two versions of
// one document.
func genSimilar(seed uint64, alt *rand.Rand, b *strings.Builder, depth int) {
	if alt != nil && alt.IntN(8) == 0 {
		seed = alt.Uint64()
	}
	r := rand.New(rand.NewPCG(seed, uint64(depth)))
	sub := func() { genSimilar(r.Uint64(), alt, b, depth-1) }
	n := r.IntN(5)
	for range n {
		switch k := r.IntN(14); {
		case k < 3:
			b.WriteString([]string{"a", "b", " ", "\n  ", "x &amp; y", "&lt;z&gt;", "long text that is the same", "é😀"}[r.IntN(8)])
		case k == 3:
			b.WriteString([]string{"<br>", `<img src="i.png">`, `<input name="n" value="v">`, "<hr>"}[r.IntN(4)])
		case k == 4:
			b.WriteString([]string{"<!-- c -->", "<script>a<b</script>", "<textarea>\nt</textarea>", "<pre>\n\np</pre>"}[r.IntN(4)])
		case k == 5 && depth > 0:
			b.WriteString("<ul>")
			for range r.IntN(6) {
				b.WriteString(`<li id="k` + strconv.Itoa(r.IntN(8)) + `">`)
				sub()
				b.WriteString("</li>")
				if r.IntN(2) == 0 {
					b.WriteString("\n")
				}
			}
			b.WriteString("</ul>")
		case k == 6 && depth > 0:
			b.WriteString("<table>")
			if r.IntN(2) == 0 {
				b.WriteString("<tbody>")
			}
			for range r.IntN(4) {
				b.WriteString(`<tr live-key="` + strconv.Itoa(r.IntN(5)) + `"><td>`)
				sub()
				b.WriteString("</td></tr>")
			}
			b.WriteString("</table>")
		case k == 8 && depth > 0 && r.IntN(2) == 0:
			switch r.IntN(3) {
			case 0:
				b.WriteString(`<select name="s">`)
				for range r.IntN(4) {
					b.WriteString(`<option value="` + strconv.Itoa(r.IntN(4)) + `"` + []string{"", " selected"}[r.IntN(2)] + `>o` + strconv.Itoa(r.IntN(3)) + `</option>`)
				}
				b.WriteString(`</select>`)
			case 1:
				b.WriteString("<dl>")
				for range r.IntN(4) {
					b.WriteString(`<dt id="t` + strconv.Itoa(r.IntN(4)) + `">t</dt><dd>`)
					sub()
					b.WriteString("</dd>")
				}
				b.WriteString("</dl>")
			case 2:
				b.WriteString(`<form id="f` + strconv.Itoa(r.IntN(2)) + `"><label>L <input name="a" value="` + strconv.Itoa(r.IntN(3)) + `"></label><textarea name="t">` + []string{"", "\nx", "y &amp; z"}[r.IntN(3)] + `</textarea>`)
				sub()
				b.WriteString("</form>")
			}
		case k == 7 && depth > 0:
			attr := []string{"", ` live-update="ignore"`, ` live-update="stream"`}[r.IntN(3)]
			b.WriteString(`<div class="c` + strconv.Itoa(r.IntN(3)) + `"` + attr + ">")
			sub()
			b.WriteString("</div>")
		case depth > 0:
			tag := []string{"div", "span", "p", "section", "b", "a", "em", "button"}[r.IntN(8)]
			b.WriteString("<" + tag)
			for _, a := range []string{"class", "title", "data-x", "href"} {
				if r.IntN(3) == 0 {
					b.WriteString(" " + a + `="` + strconv.Itoa(r.IntN(3)) + `"`)
				}
			}
			b.WriteString(">")
			sub()
			b.WriteString("</" + tag + ">")
		}
	}
}

func TestRandomPairsRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	skipped := 0
	for i := range 2000 {
		var a, b strings.Builder
		genHTML(r, &a, 4)
		genHTML(r, &b, 4)
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			if !checkPair(t, a.String(), b.String()) {
				skipped++
			} else {
				checkNarrowed(t, a.String(), b.String())
			}
		})
		if t.Failed() {
			return
		}
	}
	// Misnested markup (say, a <section> inside a <p>) does not survive
	// serialization; a generator that mostly wrote it would test little.
	if skipped > 200 {
		t.Errorf("%d of 2000 pairs had an unstable new tree", skipped)
	}
}

func TestSimilarPairsRoundTrip(t *testing.T) {
	t.Parallel()
	alt := rand.New(rand.NewPCG(3, 4))
	skipped, narrowed, fast := 0, 0, 0
	for i := range 2000 {
		var a, b strings.Builder
		genSimilar(uint64(i), nil, &a, 5)
		genSimilar(uint64(i), alt, &b, 5)
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			if !checkPair(t, a.String(), b.String()) {
				skipped++
			} else if checkNarrowed(t, a.String(), b.String()) {
				narrowed++
			}
			_, d1, _ := render.ParseDoc([]byte(a.String()))
			_, d2, _ := render.ParseDoc([]byte(b.String()))
			if d1 != nil && d2 != nil && a.String() != b.String() {
				fast++
			} else if checkNarrowed(t, a.String(), b.String()) {
				narrowed++
			}
		})
		if t.Failed() {
			return
		}
	}
	// Pairs both of whose sides take the parser's fast path differ in a few
	// places, which one run of children covers, most of the time.
	t.Logf("%d of the %d pairs on the fast path narrowed", narrowed, fast)
	if narrowed < fast/2 {
		t.Errorf("only %d of %d pairs narrowed", narrowed, fast)
	}
	// Misnested markup (say, a <section> inside a <p>) does not survive
	// serialization; a generator that mostly wrote it would test little.
	if skipped > 200 {
		t.Errorf("%d of 2000 pairs had an unstable new tree", skipped)
	}
}

// checkPair asserts the round trip for any pair of documents whose new tree
// survives serialization. Markup the browser repairs in ways its own
// serialization does not reproduce (nested <a>, a <table> in a <p>, …) is
// out of reach for any protocol that sends HTML, so such pairs only have to
// diff and apply without error or panic.
func checkPair(t *testing.T, oldHTML, newHTML string) (checked bool) {
	t.Helper()
	old, err1 := render.ParseFragment([]byte(oldHTML))
	new, err2 := render.ParseFragment([]byte(newHTML))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	again, err := render.ParseFragment(new.AppendHTML(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := Diff(old, new)
	got := old.Clone()
	err = Apply(got, p)
	if !render.Equal(again, new) {
		return false
	}
	if err != nil {
		t.Fatalf("Apply of %s\nold: %q\nnew: %q\nerror: %v", p.AppendJSON(nil), oldHTML, newHTML, err)
	}
	if !sameView(got, new) {
		t.Fatalf("Apply of %s to\n%q\ngives\n%q\nwant\n%q", p.AppendJSON(nil), oldHTML, got.AppendHTML(nil), new.AppendHTML(nil))
	}
	assertBrowserTree(t, got)
	return true
}

// checkNarrowed asserts the round trip of the patch the runtime sends when
// render.Doc.Reparse narrows the change to a run of children: diffed and
// checked there, then moved to the root, it must turn old into new as the
// patch of the whole trees does.
func checkNarrowed(t *testing.T, oldHTML, newHTML string) (narrowed bool) {
	t.Helper()
	old, doc, err := render.ParseDoc([]byte(oldHTML))
	if err != nil || doc == nil {
		return false
	}
	c, ok := doc.Reparse([]byte(newHTML), Opaque)
	if !ok || c.Shallow && !Keyed(c.Old.Children) {
		return false // the runtime parses the whole trees
	}
	new, _ := render.ParseFragment([]byte(newHTML))
	p := Diff(c.Old, c.New)
	if err := ApplyIn(c.Old, c.Ancestors, p); err != nil {
		t.Fatalf("ApplyIn of %s at %v+%d\nold: %q\nnew: %q\nerror: %v", p.AppendJSON(nil), c.Path, c.Index, oldHTML, newHTML, err)
	}
	if !sameView(c.Old, c.New) {
		t.Fatalf("ApplyIn of %s at %v+%d gives\n%q\nwant\n%q", p.AppendJSON(nil), c.Path, c.Index, c.Old.AppendHTML(nil), c.New.AppendHTML(nil))
	}
	p = p.Rebase(c.Path, c.Index)
	got := old.Clone()
	if err := Apply(got, p); err != nil {
		t.Fatalf("Apply of the narrowed %s\nold: %q\nnew: %q\nerror: %v", p.AppendJSON(nil), oldHTML, newHTML, err)
	}
	if !sameView(got, new) {
		t.Fatalf("Apply of the narrowed %s to\n%q\ngives\n%q\nwant\n%q", p.AppendJSON(nil), oldHTML, got.AppendHTML(nil), new.AppendHTML(nil))
	}
	return true
}

// assertBrowserTree fails if n has adjacent or empty text nodes, which a
// parsed DOM never has.
func assertBrowserTree(t *testing.T, n *render.Node) {
	t.Helper()
	if opaque(n) {
		return
	}
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type == render.TextNode && (c.Data == "" || i > 0 && n.Children[i-1].Type == render.TextNode) {
			t.Fatalf("adjacent or empty text node %q under <%s>", c.Data, n.Data)
		}
		assertBrowserTree(t, c)
	}
}

func FuzzDiffRoundTrip(f *testing.F) {
	for _, s := range [][2]string{
		{`<ul><li id=a>a</li><li id=b>b</li></ul>`, `<ul><li id=b>b</li><li id=c>c</li><li id=a>a</li></ul>`},
		{`<table><tr><td>1</td></tr></table>`, `<table><tr><td>2</td></tr><tr><td>3</td></tr></table>`},
		{`a<b>x</b>c`, `ac<!---->`},
		{`<div live-update="ignore"><p>x</p></div>`, `<div live-update="stream" class=y><p>z</p></div>`},
		{"<pre>x</pre><textarea>a</textarea>", "<pre>\n\nx</pre><textarea>\nb</textarea>"},
		{`<p a=1 b=2>t</p>`, `<p b=3 c=4 a=1>t</p>`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, oldHTML, newHTML string) {
		if checkPair(t, oldHTML, newHTML) {
			checkNarrowed(t, oldHTML, newHTML)
		}
	})
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		`[]`, `[[0,[0,0],"x"]]`, `[[1,[0],"class","b"],[2,[0],"id"]]`, `[[3,[0,5],"<b>x</b>"]]`,
		`[[4,[0],3]]`, `[[5,[1],0]]`, `[[6,[0],""]]`, `[[7,[0,0],1,2,"x"]]`, `[[9,[0]]]`, `[[0,[],"x"]]`, `{"a":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := DecodeJSON(b)
		if err != nil {
			return
		}
		tree, err := render.ParseFragment([]byte(`<div id="a"><p>hello</p> <ul live-update="stream"><li>x</li></ul></div>text<!--c-->`))
		if err != nil {
			t.Fatal(err)
		}
		_ = Apply(tree, p) // must not panic
		q, err := DecodeJSON(p.AppendJSON(nil))
		if err != nil {
			t.Fatalf("re-encoding %q: %v", b, err)
		}
		if len(q) != len(p) {
			t.Fatalf("re-encoding %q changed the number of operations", b)
		}
	})
}

// genValid generates, like genSimilar, two versions of one document, from
// markup that respects the content models (no block in a <p>, no <a> in an
// <a>): what templ components render, and what the parser's fast path, and
// so render.Doc.Reparse, handles.
func genValid(seed uint64, alt *rand.Rand, b *strings.Builder, depth int, inline bool) {
	if alt != nil && alt.IntN(10) == 0 {
		seed = alt.Uint64()
	}
	r := rand.New(rand.NewPCG(seed, uint64(depth)))
	sub := func(inline bool) { genValid(r.Uint64(), alt, b, depth-1, inline) }
	for range r.IntN(5) {
		switch k := r.IntN(12); {
		case k < 3:
			b.WriteString([]string{"a", "b", " ", "\n  ", "x &amp; y", "&lt;z&gt;", "long text that is the same", "é😀", "9", "10"}[r.IntN(10)])
		case k == 3:
			b.WriteString([]string{"<br>", `<img src="i.png">`, `<input name="n" value="v">`, "<!-- c -->", "<textarea>\nt</textarea>", "<script>a<b</script>"}[r.IntN(6)])
		case k == 4 && depth > 0:
			tag := []string{"span", "b", "em", "code", "label"}[r.IntN(5)]
			b.WriteString("<" + tag + ` class="i` + strconv.Itoa(r.IntN(3)) + `">`)
			sub(true)
			b.WriteString("</" + tag + ">")
		case inline || depth == 0:
		case k == 5:
			b.WriteString("<ul>")
			for range r.IntN(6) {
				b.WriteString(`<li id="k` + strconv.Itoa(r.IntN(8)) + `">`)
				sub(false)
				b.WriteString("</li>")
			}
			b.WriteString("</ul>")
		case k == 6:
			b.WriteString("<table>")
			tbody := r.IntN(2) == 0
			if tbody {
				b.WriteString("<tbody>")
			}
			for range r.IntN(5) {
				b.WriteString(`<tr live-key="` + strconv.Itoa(r.IntN(6)) + `"><td>`)
				sub(false)
				b.WriteString("</td><td>" + strconv.Itoa(r.IntN(3)) + "</td></tr>")
				if r.IntN(3) == 0 {
					b.WriteString("\n")
				}
			}
			if tbody {
				b.WriteString("</tbody>")
			}
			b.WriteString("</table>")
		case k == 7:
			attr := []string{"", ` live-update="ignore"`, ` live-update="stream"`}[r.IntN(3)]
			b.WriteString(`<div id="d` + strconv.Itoa(r.IntN(3)) + `"` + attr + ">")
			sub(false)
			b.WriteString("</div>")
		case k == 8:
			b.WriteString(`<p class="p` + strconv.Itoa(r.IntN(3)) + `">`)
			sub(true)
			b.WriteString("</p>")
		case k == 9:
			b.WriteString("<pre>\n")
			sub(true)
			b.WriteString("</pre>")
		default:
			tag := []string{"div", "section", "article"}[r.IntN(3)]
			b.WriteString("<" + tag)
			for _, a := range []string{"class", "title", "data-x"} {
				if r.IntN(3) == 0 {
					b.WriteString(" " + a + `="` + strconv.Itoa(r.IntN(3)) + `"`)
				}
			}
			b.WriteString(">")
			sub(false)
			b.WriteString("</" + tag + ">")
		}
	}
}

// TestValidPairsNarrow checks the patches of pairs of templ-like documents
// the way the runtime makes them: narrowed to the run of children that
// changed, diffed and checked there.
func TestValidPairsNarrow(t *testing.T) {
	t.Parallel()
	alt := rand.New(rand.NewPCG(5, 6))
	narrowed, fast := 0, 0
	for i := range 3000 {
		var a, b strings.Builder
		genValid(uint64(i), nil, &a, 5, false)
		genValid(uint64(i), alt, &b, 5, false)
		if a.String() == b.String() {
			continue
		}
		if _, d, _ := render.ParseDoc([]byte(a.String())); d == nil {
			t.Fatalf("the fast path refused %q", a.String())
		}
		fast++
		if checkPair(t, a.String(), b.String()) && checkNarrowed(t, a.String(), b.String()) {
			narrowed++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of %d pairs narrowed", narrowed, fast)
	if narrowed < fast*3/4 {
		t.Errorf("only %d of %d pairs narrowed", narrowed, fast)
	}
}

// TestMovedRowsRoundTrip reorders and removes the rows of a keyed table,
// which render.Doc.Reparse recognizes without parsing them: the diff of
// their start tags alone must still turn the old table into the new.
func TestMovedRowsRoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 300 {
		ids := rows(2 + r.IntN(30))
		old := string(keyedTable(ids))
		moved := slices.Clone(ids)
		switch i % 3 {
		case 0:
			r.Shuffle(len(moved), func(i, j int) { moved[i], moved[j] = moved[j], moved[i] })
		case 1:
			k := r.IntN(len(moved))
			top := moved[k]
			copy(moved[1:k+1], moved[:k])
			moved[0] = top
		case 2:
			slices.Reverse(moved)
			moved = slices.Delete(moved, 0, r.IntN(len(moved)))
		}
		new := string(keyedTable(moved))
		if old == new {
			continue
		}
		_, doc, _ := render.ParseDoc([]byte(old))
		if c, ok := doc.Reparse([]byte(new), Opaque); !ok || !c.Shallow {
			t.Fatalf("Reparse did not recognize the rows moved from %v to %v", ids, moved)
		}
		if !checkPair(t, old, new) || !checkNarrowed(t, old, new) {
			t.Fatalf("the rows moved from %v to %v were not checked", ids, moved)
		}
	}
}
