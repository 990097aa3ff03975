package render

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// leafC makes elements with class="c" leaves for Reparse, as the diff's
// opaque containers are.
func leafC(n *Node) bool {
	v, _ := n.Attr("class")
	return v == "c"
}

// checkReparse asserts that Reparse, where it vouches for its result,
// gives the tree and the spans a whole parse of the new render gives. It
// reports whether Reparse vouched.
func checkReparse(t *testing.T, oldHTML, newHTML string) bool {
	t.Helper()
	old, doc, err := ParseDoc([]byte(oldHTML))
	if err != nil {
		t.Fatal(err)
	}
	if doc == nil {
		return false
	}
	c, ok := doc.Reparse([]byte(newHTML), leafC)
	if !ok {
		return false
	}
	want, fresh, err := ParseDoc([]byte(newHTML))
	if err != nil {
		t.Fatal(err)
	}
	if fresh == nil {
		t.Fatalf("Reparse vouched for a render the fast path refuses\nold: %q\nnew: %q", oldHTML, newHTML)
	}
	parent := old
	for i, k := range c.Path {
		parent = &parent.Children[k]
		a := c.Ancestors[i]
		if a.Data != parent.Data || a.Namespace != parent.Namespace || !slices.Equal(a.Attrs, parent.Attrs) {
			t.Fatalf("ancestor %d is <%s>, the path leads to <%s>\nold: %q\nnew: %q", i, a.Data, parent.Data, oldHTML, newHTML)
		}
	}
	if len(c.Ancestors) != len(c.Path) {
		t.Fatalf("%d ancestors for a path of %d", len(c.Ancestors), len(c.Path))
	}
	run := parent.Children[c.Index : c.Index+len(c.Old.Children)]
	for i := range run {
		if !Equal(shallow(&run[i], c.Shallow), &c.Old.Children[i]) {
			t.Fatalf("the old run differs from the old tree at %v+%d\nold: %q\nnew: %q", c.Path, c.Index, oldHTML, newHTML)
		}
	}
	newRun := c.New.Children
	if c.Shallow {
		// The new run's children are old ones: find their trees there.
		newRun = make([]Node, len(c.New.Children))
		for j := range newRun {
			for i := range run {
				if Equal(shallow(&run[i], true), &c.New.Children[j]) {
					newRun[j] = run[i]
				}
			}
		}
	}
	parent.Children = slices.Concat(parent.Children[:c.Index], newRun, parent.Children[c.Index+len(run):])
	if !Equal(old, want) {
		t.Fatalf("the spliced tree differs from the new render's at %v+%d\nold: %q\nnew: %q\ngot:\n%s\nwant:\n%s",
			c.Path, c.Index, oldHTML, newHTML, dump(old), dump(want))
	}
	if !slices.Equal(doc.spans, fresh.spans) || doc.kids != fresh.kids {
		t.Fatalf("the updated spans differ from the new render's\nold: %q\nnew: %q\ngot:  %v %d\nwant: %v %d",
			oldHTML, newHTML, doc.spans, doc.kids, fresh.spans, fresh.kids)
	}
	if string(doc.HTML()) != newHTML {
		t.Fatal("the Doc does not keep the new render")
	}
	return true
}

// shallow returns n without its children, if cut.
func shallow(n *Node, cut bool) *Node {
	if !cut {
		return n
	}
	c := *n
	c.Children = nil
	return &c
}

func TestReparseGivesTheWholeParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, old, new string
		vouch          bool
	}{
		{"a text in a cell", `<table><tbody><tr><td>1</td><td>2</td></tr></tbody></table>`, `<table><tbody><tr><td>1</td><td>3</td></tr></tbody></table>`, true},
		{"a text that grows", `<p>a <b>9</b> c</p>`, `<p>a <b>10</b> c</p>`, true},
		{"an attribute", `<div><p class="x">a</p><p>b</p></div>`, `<div><p class="y">a</p><p>b</p></div>`, true},
		{"a row moved", `<ul><li id="1">1</li><li id="2">2</li><li id="3">3</li></ul>`, `<ul><li id="3">3</li><li id="1">1</li><li id="2">2</li></ul>`, true},
		{"long rows moved", `<ul><li id="1">one, long enough</li><li id="2">two, long enough</li><li id="3">three, long enough</li></ul>`, `<ul><li id="3">three, long enough</li><li id="1">one, long enough</li></ul>`, true},
		{"long rows moved, one changed", `<ul><li id="1">one, long enough</li><li id="2">two, long enough</li><li id="3">three, long enough</li></ul>`, `<ul><li id="3">three, long enough</li><li id="1">one, long enough!</li></ul>`, true},
		{"rows moved in an implied tbody", `<table><tr id="a"><td>one, long enough</td></tr><tr id="b"><td>two, long enough</td></tr></table>`, `<table><tr id="b"><td>two, long enough</td></tr><tr id="a"><td>one, long enough</td></tr></table>`, true},
		{"a cell in an implied tbody", `<table><tr><td>1</td></tr><tr><td>2</td></tr></table>`, `<table><tr><td>1</td></tr><tr><td>3</td></tr></table>`, true},
		{"a row added to an implied tbody", `<table><tr><td>1</td></tr></table>`, `<table><tr><td>1</td></tr><tr><td>2</td></tr></table>`, true},
		{"an element removed between texts", `<p>a<b>x</b>c</p>`, `<p>ac</p>`, true},
		{"an element becomes text", `<p>a<b>x</b>c</p>`, `<p>ayc</p>`, true},
		{"text in an empty element", `<p></p><p>b</p>`, `<p>a</p><p>b</p>`, true},
		{"inside a leaf container", `<div class="c"><p>a</p><p>b</p></div>`, `<div class="c"><p>a</p><p>c</p></div>`, true},
		{"inside pre", "<pre>\na<b>1</b></pre>", "<pre>\na<b>2</b></pre>", true},
		{"a comment", `<p><!--a--></p>`, `<p><!--b--></p>`, true},
		{"a p closed by a div", `<div><p>a</p></div>`, `<div><p>a<div>b</div></p></div>`, false},
		{"a form inside a form", `<form><div>a</div></form>`, `<form><div><form>b</form></div></form>`, false},
		{"at the root", `a<b>b</b>c`, `a<i>b</i>c`, true},
		{"everything", `<p>a</p>`, `x`, true},
		{"from nothing", ``, `<p>a</p>`, true},
		{"to nothing", `<p>a</p>`, ``, true},
		{"an entity", `<p>a &amp; b</p>`, `<p>a &lt; b</p>`, true},
		{"a stray end tag", `<div><p>a</p></div>`, `<div><p>a</div></p></div>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := checkReparse(t, tt.old, tt.new); got != tt.vouch {
				t.Errorf("Reparse vouched: %v, want %v", got, tt.vouch)
			}
		})
	}
}

func TestReparseNarrowsTheChange(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`<table><tbody>`)
	for i := range 100 {
		b.WriteString(`<tr id="r` + string(rune('a'+i%26)) + `"><td>x</td><td>` + strings.Repeat("y", i%7) + `</td></tr>`)
	}
	b.WriteString(`</tbody></table>`)
	old := b.String()
	i := strings.Index(old, "yyy")
	new := old[:i] + "yzy" + old[i+3:]
	_, doc, _ := ParseDoc([]byte(old))
	c, ok := doc.Reparse([]byte(new), nil)
	if !ok {
		t.Fatal("Reparse refused a one-letter change")
	}
	if len(c.Path) != 4 || len(c.New.Children) != 1 || c.New.Children[0].Data != "yzy" {
		t.Fatalf("got the run %v+%d of %d children, want the cell's text", c.Path, c.Index, len(c.New.Children))
	}
	checkReparse(t, old, old[:i]+"yqy"+old[i+3:])
}

// TestRandomReparse edits random markup at random places with random
// markup, and checks every Reparse that vouches for its result.
func TestRandomReparse(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(11, 12))
	snippets := []string{"", "x", " ", "<b>", "</b>", "<p>", "</p>", "<div>y</div>", "<td>", "</tr><tr>", "<tr><td>z</td></tr>",
		"&amp;", "<!--c-->", `<span class="c">`, "</span>", `"`, "<", ">", "<br>", "<pre>\n", "\n"}
	vouched, fast := 0, 0
	for range 4000 {
		var b strings.Builder
		genMarkup(r, &b, 5)
		old := b.String()
		new := old
		for range 1 + r.IntN(2) {
			i := r.IntN(len(new) + 1)
			j := min(len(new), i+r.IntN(12))
			ins := snippets[r.IntN(len(snippets))]
			if r.IntN(3) == 0 {
				var m strings.Builder
				genMarkup(r, &m, 2)
				ins = m.String()
			}
			new = new[:i] + ins + new[j:]
		}
		if checkReparse(t, old, new) {
			vouched++
		}
		var p parser
		if _, ok := p.parse(old); ok {
			if _, ok := p.parse(new); ok {
				fast++
			}
		}
		if t.Failed() {
			return
		}
	}
	// Reparse refuses only where the change reaches text it would merge
	// with, or markup the fast path refuses in context.
	t.Logf("Reparse vouched for %d of the %d edits both of whose sides took the fast path", vouched, fast)
	if vouched < fast*3/4 {
		t.Errorf("Reparse vouched for only %d of %d edits", vouched, fast)
	}
}

func FuzzReparse(f *testing.F) {
	for _, s := range [][2]string{
		{`<table><tr><td>1</td></tr></table>`, `<table><tr><td>2</td></tr><tr><td>3</td></tr></table>`},
		{`<p>a<b>x</b>c</p>`, `<p>ayc</p>`},
		{`<div class="c"><p>a</p></div>`, `<div class="c"><p>b</p></div>`},
		{"<pre>\na</pre>", "<pre>\nb</pre>"},
		{`<ul><li id=a>a</li><li id=b>b</li></ul>`, `<ul><li id=b>b</li><li id=a>a</li></ul>`},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, oldHTML, newHTML string) {
		checkReparse(t, oldHTML, newHTML)
	})
}

// TestRandomReorders moves and removes the rows of random lists and
// tables, which Reparse recognizes without parsing the rows.
func TestRandomReorders(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(13, 14))
	shallowed, eligible := 0, 0
	for range 1000 {
		table := r.IntN(2) == 0
		var rows []string
		for i := range 2 + r.IntN(8) {
			var b strings.Builder
			for range r.IntN(4) {
				b.WriteString([]string{"x", "<b>y</b>", `<a href="/z">z</a>`, `<span class="c">w</span>`, "&amp;", "<br>", "<!--c-->", "\n", `<input value="&quot;">`}[r.IntN(9)])
			}
			if table {
				rows = append(rows, `<tr id="r`+string(rune('a'+i))+`"><td>row `+string(rune('a'+i))+`</td><td>`+b.String()+`</td></tr>`)
			} else {
				rows = append(rows, `<li id="r`+string(rune('a'+i))+`">item `+string(rune('a'+i))+` `+b.String()+`</li>`)
			}
		}
		wrap := func(rows []string) string {
			if table {
				return `<p>before</p><table><tbody>` + strings.Join(rows, "") + `</tbody></table><p>after</p>`
			}
			return `<p>before</p><ul>` + strings.Join(rows, "") + `</ul><p>after</p>`
		}
		old := wrap(rows)
		moved := slices.Clone(rows)
		r.Shuffle(len(moved), func(i, j int) { moved[i], moved[j] = moved[j], moved[i] })
		if r.IntN(3) == 0 {
			moved = slices.Delete(moved, 0, 1)
		}
		_, doc, _ := ParseDoc([]byte(old))
		if _, fresh, _ := ParseDoc([]byte(wrap(moved))); doc == nil || fresh == nil || old == wrap(moved) {
			continue
		}
		eligible++
		if !checkReparse(t, old, wrap(moved)) {
			continue
		}
		if c, ok := doc.Reparse([]byte(wrap(moved)), nil); ok && c.Shallow {
			shallowed++
		}
		if t.Failed() {
			return
		}
	}
	t.Logf("%d of %d reorders on the fast path recognized", shallowed, eligible)
	if shallowed < eligible*9/10 {
		t.Errorf("only %d of %d reorders recognized", shallowed, eligible)
	}
}
