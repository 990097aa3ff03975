package js_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/js"
	"github.com/templive/templive/render"
)

// patchPage defines check(cases): for each case it builds the old HTML in a
// <div> root, applies the Go-made patch with the client's applyPatch, and
// compares the result, node by node, with the browser's own parse of the new
// HTML. It returns one message per mismatch.
const patchPage = `<!doctype html>
<title>patch</title>
<link rel="icon" href="data:,">
<script src="/templive.js"></script>
<script>
function describe(n) {
  if (n.nodeType == 1) {
    // Attribute order counts: diff keeps it, and el.attributes shows it.
    const attrs = [...n.attributes].map(a => a.name + (a.namespaceURI ? "@" + a.namespaceURI : "") + "=" + JSON.stringify(a.value)).join(" ")
    // So does what a select selects, which attributes do not show.
    const state = n instanceof HTMLSelectElement ? " (selectedIndex " + n.selectedIndex + ")" : n instanceof HTMLOptionElement ? " (selected " + n.selected + ")" : ""
    return "<" + n.namespaceURI.split("/").pop() + ":" + n.localName + (attrs ? " " + attrs : "") + ">" + state
  }
  return n.nodeType + ":" + JSON.stringify(n.data)
}
function compare(got, want, where) {
  if (describe(got) != describe(want)) return where + ": got " + describe(got) + ", want " + describe(want)
  const g = got.childNodes, w = want.childNodes
  for (let i = 0; i < Math.max(g.length, w.length); i++) {
    if (!g[i] || !w[i]) return where + "/" + i + ": got " + (g[i] ? describe(g[i]) : "nothing") + ", want " + (w[i] ? describe(w[i]) : "nothing")
    const d = compare(g[i], w[i], where + "/" + i)
    if (d) return d
  }
  return null
}
window.check = cases => cases.map(c => {
  const root = document.createElement("div")
  const want = document.createElement("div")
  document.body.append(root, want)
  try {
    root.innerHTML = c.old
    want.innerHTML = c.new
    templive.applyPatch(root, c.patch)
    const d = compare(root, want, "")
    return d && c.name + ": " + d + "\n  patch " + JSON.stringify(c.patch)
  } catch (e) {
    return c.name + ": " + e.message
  } finally {
    root.remove()
    want.remove()
  }
}).filter(Boolean)
</script>`

type patchCase struct {
	Name  string          `json:"name"`
	Old   string          `json:"old"`
	New   string          `json:"new"`
	Patch json.RawMessage `json:"patch"`
}

func makeCase(t *testing.T, name, old, new string) patchCase {
	t.Helper()
	o, err := render.ParseFragment([]byte(old))
	if err != nil {
		t.Fatalf("%s: parse old: %v", name, err)
	}
	n, err := render.ParseFragment([]byte(new))
	if err != nil {
		t.Fatalf("%s: parse new: %v", name, err)
	}
	p := diff.Diff(o, n)
	return patchCase{Name: name, Old: old, New: new, Patch: p.AppendJSON(nil)}
}

// narrowedCase is the case with the patch the runtime sends when
// render.Doc.Reparse narrows the change to a run of children (see
// live/view_render.go), if it does.
func narrowedCase(t *testing.T, name, old, new string) (patchCase, bool) {
	t.Helper()
	_, doc, err := render.ParseDoc([]byte(old))
	if err != nil || doc == nil {
		return patchCase{}, false
	}
	c, ok := doc.Reparse([]byte(new), diff.Opaque)
	if !ok || c.Shallow && !diff.Keyed(c.Old.Children) {
		return patchCase{}, false
	}
	p := diff.Diff(c.Old, c.New)
	if err := diff.ApplyIn(c.Old, c.Ancestors, p); err != nil || !render.Equal(c.Old, c.New) {
		return patchCase{}, false // the runtime sends the whole content
	}
	return patchCase{Name: name + " (narrowed)", Old: old, New: new, Patch: p.Rebase(c.Path, c.Index).AppendJSON(nil)}, true
}

var patchCases = []struct{ name, old, new string }{
	{"a row moved to the top of a keyed table", `<table><tbody><tr id="r1"><td>one</td><td>1.99</td></tr><tr id="r2"><td>two</td><td>2.99</td></tr><tr id="r3"><td>three</td><td>3.99</td></tr></tbody></table>`,
		`<table><tbody><tr id="r3"><td>three</td><td>3.99</td></tr><tr id="r1"><td>one</td><td>1.99</td></tr><tr id="r2"><td>two</td><td>2.99</td></tr></tbody></table>`},
	{"a number in a keyed table's row", `<table><tbody><tr id="r1"><td>one</td><td>9</td></tr><tr id="r2"><td>two</td><td>2</td></tr></tbody></table>`,
		`<table><tbody><tr id="r1"><td>one</td><td>10</td></tr><tr id="r2"><td>two</td><td>2</td></tr></tbody></table>`},
	{"a row removed from an implied tbody", `<table><tr id="r1"><td>one, long enough</td></tr><tr id="r2"><td>two, long enough</td></tr></table>`,
		`<table><tr id="r2"><td>two, long enough</td></tr></table>`},
	{"a text change", `<p>a</p>`, `<p>b</p>`},
	{"attributes set, changed and removed", `<p class="a" title="t">x</p>`, `<p class="b" data-x="1">x</p>`},
	{"an insert at the top of a keyed list", `<ul><li id="a">a</li><li id="b">b</li></ul>`, `<ul><li id="z">z</li><li id="a">a</li><li id="b">b</li></ul>`},
	{"a keyed list reversed", `<ul><li id="a">a</li><li id="b">b</li><li id="c">c</li></ul>`, `<ul><li id="c">c</li><li id="b">b</li><li id="a">a</li></ul>`},
	{"an element between two texts removed", `a<b>x</b>c`, `ac`},
	{"a text split by a new element", `ac`, `a<b>x</b>c`},
	{"rows inserted into a table", `<table><tbody><tr><td>1</td></tr></tbody></table>`, `<table><tbody><tr><td>0</td></tr><tr><td>1</td></tr><tr><td>2</td></tr></tbody></table>`},
	{"options of a select", `<select><option>a</option></select>`, `<select><option>a</option><option selected>b</option></select>`},
	{"a select's selected attribute moved to a later option", `<select><option selected>a</option><option>b</option><option>c</option></select>`,
		`<select><option>a</option><option>b</option><option selected>c</option></select>`},
	{"a select's selected attribute moved to an earlier option", `<select><option>a</option><option>b</option><option selected>c</option></select>`,
		`<select><option selected>a</option><option>b</option><option>c</option></select>`},
	{"an earlier option of a select also marked selected: the last wins", `<select><option>a</option><option>b</option><option selected>c</option></select>`,
		`<select><option selected>a</option><option>b</option><option selected>c</option></select>`},
	{"several options marked selected at once: the last wins", `<select><option>a</option><option>b</option><option>c</option></select>`,
		`<select><option selected>a</option><option selected>b</option><option>c</option></select>`},
	{"the selected attribute removed: the first option", `<select><option>a</option><option selected>b</option></select>`,
		`<select><option>a</option><option>b</option></select>`},
	{"the selected attribute removed: the first option not disabled", `<select><option disabled>a</option><option>b</option><option selected>c</option></select>`,
		`<select><option disabled>a</option><option>b</option><option>c</option></select>`},
	{"the selected attribute removed from a list box: nothing", `<select size="3"><option>a</option><option selected>b</option></select>`,
		`<select size="3"><option>a</option><option>b</option></select>`},
	{"a selected option inserted before a selected one", `<select><option id="b" selected>b</option></select>`,
		`<select><option id="a" selected>a</option><option id="b" selected>b</option></select>`},
	{"a selected option removed, another one marked", `<select><option id="a">a</option><option id="b" selected>b</option><option id="c">c</option></select>`,
		`<select><option id="a" selected>a</option><option id="c">c</option></select>`},
	{"the last selected option removed", `<select><option id="a" selected>a</option><option id="b" selected>b</option></select>`,
		`<select><option id="a" selected>a</option></select>`},
	{"keyed options reordered, both selected", `<select><option id="a" selected>a</option><option id="b" selected>b</option><option id="c">c</option></select>`,
		`<select><option id="b" selected>b</option><option id="c">c</option><option id="a" selected>a</option></select>`},
	{"keyed options reordered, one selected", `<select><option id="a">a</option><option id="b" selected>b</option><option id="c">c</option></select>`,
		`<select><option id="c">c</option><option id="a" selected>a</option><option id="b">b</option></select>`},
	{"options in groups, a later group's option selected", `<select><optgroup label="x"><option selected>a</option></optgroup><optgroup label="y"><option>b</option></optgroup></select>`,
		`<select><optgroup label="x"><option selected>a</option></optgroup><optgroup label="y"><option selected>b</option></optgroup></select>`},
	{"a multiple select's options marked and unmarked", `<select multiple><option selected>a</option><option>b</option><option selected>c</option></select>`,
		`<select multiple><option>a</option><option selected>b</option><option selected>c</option></select>`},
	{"a multiple select's selected options reordered and one added", `<select multiple><option id="a" selected>a</option><option id="b">b</option></select>`,
		`<select multiple><option id="b" selected>b</option><option id="c" selected>c</option><option id="a" selected>a</option></select>`},
	{"a select made multiple", `<select><option selected>a</option><option selected>b</option></select>`,
		`<select multiple><option selected>a</option><option selected>b</option></select>`},
	{"a select made single", `<select multiple><option selected>a</option><option selected>b</option></select>`,
		`<select><option selected>a</option><option selected>b</option></select>`},
	{"svg children", `<svg></svg>`, `<svg><circle r="1"></circle><text>t</text></svg>`},
	{"comments", `<!--a--><p>x</p>`, `<!--b--><p>x</p><!--c-->`},
	{"an element replaced by another tag", `<div><p>a</p></div>`, `<div><section>a</section></div>`},
	{"everything removed", `<p>a</p><p>b</p>text`, ``},
	{"from nothing", ``, `<p>a</p>b<!--c-->`},
	{"a textarea's text", `<textarea>a</textarea>`, `<textarea>b</textarea>`},
	{"nested forms stay flat", `<form><div></div></form>`, `<form><div><input name="a"></div></form>`},
	{"entities and special characters", `<p>&lt;a&gt;</p>`, `<p>&amp; "quotes" ü ☃</p>`},
	{"a long text spliced", `<p>The counter is at 41 and rising, slowly.</p>`, `<p>The counter is at 42 and rising, slowly.</p>`},
	{"a splice after astral characters", `<p>😀😀 emoji everywhere and then a 1 at the end</p>`, `<p>😀😀 emoji everywhere and then a 2 at the end</p>`},
	{"an attribute added before others", `<p title="t" class="c">x</p>`, `<p id="i" title="t" class="c">x</p>`},
	{"an xlink attribute set on svg", `<svg><use></use></svg>`, `<svg><use xlink:href="#a"></use></svg>`},
	{"an xlink attribute removed from svg", `<svg><use xlink:href="#a" x="1"></use></svg>`, `<svg><use x="1"></use></svg>`},
}

// TestApplyPatchMatchesTheBrowser checks the oracle of DESIGN.md in Chromium: for
// HTML documents A and B, the client's applyPatch of diff.Diff(A, B) on the DOM
// the browser built from A gives the DOM the browser builds from B. The cases are
// a table of known shapes and random documents.
func TestApplyPatchMatchesTheBrowser(t *testing.T) {
	t.Parallel()
	var cases []patchCase
	narrowed := 0
	for _, c := range patchCases {
		cases = append(cases, makeCase(t, c.name, c.old, c.new))
		if n, ok := narrowedCase(t, c.name, c.old, c.new); ok {
			cases = append(cases, n)
			narrowed++
		}
	}
	if narrowed < len(patchCases)/2 {
		t.Errorf("only %d of %d cases narrowed", narrowed, len(patchCases))
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("random documents from seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 0))
	for i := range 200 {
		old := randomHTML(r, 3)
		new := mutateHTML(r, old)
		name := fmt.Sprintf("random %d (seed %d)", i, seed)
		cases = append(cases, makeCase(t, name, old, new))
		if n, ok := narrowedCase(t, name, old, new); ok {
			cases = append(cases, n)
			narrowed++
		}
	}
	t.Logf("%d of %d cases narrowed", narrowed, len(patchCases)+200)

	srv := httptest.NewServer(pageMux(patchPage))
	defer srv.Close()
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL)
	arg, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	var failures []string
	tab.Eval("check("+string(arg)+")", &failures)
	for _, f := range failures {
		t.Error(f)
	}
}

// TestPatchScriptsDoNotRun checks that a <script> a patch inserts does not run,
// as none does in the first render or a join reply (both set innerHTML).
func TestPatchScriptsDoNotRun(t *testing.T) {
	t.Parallel()
	c := makeCase(t, "script", `<div></div>`, `<div><script>window.ran = true</script><p>after</p></div>`)
	srv := httptest.NewServer(pageMux(patchPage))
	defer srv.Close()
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL)
	arg, _ := json.Marshal([]patchCase{c})
	var failures []string
	tab.Eval("check("+string(arg)+")", &failures)
	for _, f := range failures {
		t.Error(f)
	}
	var ran bool
	tab.Eval("window.ran === true", &ran)
	if ran {
		t.Error("a script inserted by a patch ran")
	}
}

// Patch semantics diff.Apply has: a <template> is opaque, and a splice never
// cuts a surrogate pair.
func TestApplyPatchTemplateIsOpaqueAndSplicesKeepSurrogatePairs(t *testing.T) {
	tab := openFake(t, `<div id="lv-1" data-live-root data-live-session="s"><template id="t"></template><p id="p">a😀b</p></div>`, "")
	tab.Eval(`import("/esm.js").then(m => { window.applyPatch = m.applyPatch }); true`, nil)
	tab.Wait(`window.applyPatch`)
	try := func(op string) string {
		return evalJS[string](t, tab, `(() => { try { applyPatch(document.getElementById("lv-1"), [`+op+`]); return "ok" } catch (e) { return e.name } })()`)
	}
	for _, op := range []string{`[3,[0,0],"<i>x</i>"]`, `[7,[1,0],2,1,"x"]`, `[7,[1,0],0,2,"x"]`} {
		if got := try(op); got == "ok" {
			t.Errorf("%s applied", op)
		}
	}
	if got := try(`[7,[1,0],1,2,"X"]`); got != "ok" {
		t.Errorf("splice of the whole pair: %s", got)
	}
	wantJS(t, tab, `document.getElementById("p").textContent`, "aXb")
}

// pageMux serves page at / and the bundle at /templive.js.
func pageMux(page string) *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("/templive.js", js.Handler())
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page)
	})
	return mux
}

// randomHTML writes well-nested markup whose parse is the same in any context a
// patch uses: block elements hold blocks and inline content, inline elements
// hold inline content only.
func randomHTML(r *rand.Rand, depth int) string {
	var b strings.Builder
	writeBlock(&b, r, depth)
	return b.String()
}

var words = []string{"a", "b", "hello", "x y", "&amp;", "ü"}

func writeBlock(b *strings.Builder, r *rand.Rand, depth int) {
	for range r.IntN(4) {
		switch k := r.IntN(10); {
		case depth > 0 && k < 3:
			tag := []string{"div", "section", "ul"}[r.IntN(3)]
			if tag == "ul" {
				b.WriteString("<ul" + attrs(r) + ">")
				for range r.IntN(4) {
					b.WriteString("<li" + attrs(r) + ">")
					writeInline(b, r, depth-1)
					b.WriteString("</li>")
				}
				b.WriteString("</ul>")
				continue
			}
			b.WriteString("<" + tag + attrs(r) + ">")
			writeBlock(b, r, depth-1)
			b.WriteString("</" + tag + ">")
		case k < 5:
			b.WriteString("<p" + attrs(r) + ">")
			writeInline(b, r, depth-1)
			b.WriteString("</p>")
		default:
			writeInline(b, r, depth-1)
		}
	}
}

func writeInline(b *strings.Builder, r *rand.Rand, depth int) {
	for range r.IntN(4) {
		switch k := r.IntN(10); {
		case depth > 0 && k < 3:
			tag := []string{"b", "span", "em"}[r.IntN(3)]
			b.WriteString("<" + tag + attrs(r) + ">")
			writeInline(b, r, depth-1)
			b.WriteString("</" + tag + ">")
		case k < 4:
			b.WriteString(`<input name="f"` + attrs(r) + `>`)
		case k < 5:
			b.WriteString("<!--" + words[r.IntN(3)] + "-->")
		default:
			b.WriteString(words[r.IntN(len(words))])
		}
	}
}

func attrs(r *rand.Rand) string {
	var s string
	if r.IntN(3) == 0 {
		s += fmt.Sprintf(` id="k%d"`, r.IntN(4))
	}
	if r.IntN(3) == 0 {
		s += fmt.Sprintf(` class="c%d"`, r.IntN(3))
	}
	if r.IntN(5) == 0 {
		s += fmt.Sprintf(` value="v%d"`, r.IntN(3))
	}
	return s
}

// mutateHTML returns old with a few random edits: often a new random document,
// otherwise old with words and attributes swapped, so the two share structure.
func mutateHTML(r *rand.Rand, old string) string {
	if r.IntN(4) == 0 {
		return randomHTML(r, 3)
	}
	repl := []string{"hello", "bye", `class="c0"`, `class="c2"`, `id="k1"`, `id="k3"`, "<b>", "<em>", "</b>", "</em>"}
	s := old
	for range 1 + r.IntN(3) {
		i := r.IntN(len(repl) / 2)
		from, to := repl[2*i], repl[2*i+1]
		if r.IntN(2) == 0 {
			from, to = to, from
		}
		if from == "<b>" || from == "<em>" || from == "</b>" || from == "</em>" {
			// Swap whole elements consistently so the markup stays well nested.
			a, b := "b>", "em>"
			if strings.Contains(from, "em") {
				a, b = b, a
			}
			s = strings.ReplaceAll(strings.ReplaceAll(s, "<"+a, "<\x00"), "</"+a, "</\x00")
			s = strings.ReplaceAll(strings.ReplaceAll(s, "\x00", b), "\x00", b)
			continue
		}
		s = strings.Replace(s, from, to, 1+r.IntN(2))
	}
	if r.IntN(2) == 0 {
		// Insert or drop a chunk at a tag boundary.
		if cut := strings.Index(s, "</p>"); cut >= 0 && r.IntN(2) == 0 {
			s = s[:cut] + "<span>new</span>" + s[cut:]
		} else {
			s = randomHTML(r, 1) + s
		}
	}
	return s
}

// TestStreamsInBrowser applies stream operations (docs/PROTOCOL.md, "Streams")
// with the client's applyStreams and compares the root's HTML.
func TestStreamsInBrowser(t *testing.T) {
	t.Parallel()
	const list = `<ul id="s" live-update="stream"><li id="a">A</li><li id="b">B</li><li id="c">C</li></ul>`
	cases := []struct {
		Name   string `json:"name"`
		Before string `json:"before"`
		Ops    []any  `json:"ops"`
		After  string `json:"after"`
	}{
		{"append with -1", list, []any{[]any{"i", "s", "d", -1, `<li id="d">D</li>`}},
			`<ul id="s" live-update="stream"><li id="a">A</li><li id="b">B</li><li id="c">C</li><li id="d">D</li></ul>`},
		{"insert at the top", list, []any{[]any{"i", "s", "d", 0, `<li id="d">D</li>`}},
			`<ul id="s" live-update="stream"><li id="d">D</li><li id="a">A</li><li id="b">B</li><li id="c">C</li></ul>`},
		{"insert before the second", list, []any{[]any{"i", "s", "d", 1, `<li id="d">D</li>`}},
			`<ul id="s" live-update="stream"><li id="a">A</li><li id="d">D</li><li id="b">B</li><li id="c">C</li></ul>`},
		{"an index past the end appends", list, []any{[]any{"i", "s", "d", 9, `<li id="d">D</li>`}},
			`<ul id="s" live-update="stream"><li id="a">A</li><li id="b">B</li><li id="c">C</li><li id="d">D</li></ul>`},
		{"an existing id is replaced where it stands", list, []any{[]any{"i", "s", "b", 0, `<li id="b">B2</li>`}},
			`<ul id="s" live-update="stream"><li id="a">A</li><li id="b">B2</li><li id="c">C</li></ul>`},
		{"delete, and delete of a missing id", list, []any{[]any{"d", "s", "a"}, []any{"d", "s", "zz"}},
			`<ul id="s" live-update="stream"><li id="b">B</li><li id="c">C</li></ul>`},
		{"reset then insert", list, []any{[]any{"r", "s"}, []any{"i", "s", "x", -1, `<li id="x">X</li>`}},
			`<ul id="s" live-update="stream"><li id="x">X</li></ul>`},
		{"limit keeps the first n", list, []any{[]any{"l", "s", 2}},
			`<ul id="s" live-update="stream"><li id="a">A</li><li id="b">B</li></ul>`},
		{"a negative limit keeps the last n", list, []any{[]any{"i", "s", "d", 0, `<li id="d">D</li>`}, []any{"l", "s", -2}},
			`<ul id="s" live-update="stream"><li id="b">B</li><li id="c">C</li></ul>`},
		{"rows parse in a tbody", `<table><tbody id="t" live-update="stream"></tbody></table>`,
			[]any{[]any{"i", "t", "r1", -1, `<tr id="r1"><td>1</td></tr>`}},
			`<table><tbody id="t" live-update="stream"><tr id="r1"><td>1</td></tr></tbody></table>`},
		{"an unknown container is ignored", list, []any{[]any{"r", "nope"}}, list},
	}
	srv := httptest.NewServer(pageMux(`<!doctype html><title>streams</title><link rel="icon" href="data:,">
<script src="/templive.js"></script>`))
	defer srv.Close()
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL)
	arg, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	tab.Eval(`(`+string(arg)+`).map(c => {
		const root = document.createElement("div")
		document.body.append(root)
		root.innerHTML = c.before
		templive.applyStreams(root, c.ops)
		root.remove()
		return root.innerHTML
	})`, &got)
	for i, c := range cases {
		if got[i] != c.After {
			t.Errorf("%s:\n got %s\nwant %s", c.Name, got[i], c.After)
		}
	}
}
