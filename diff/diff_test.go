package diff

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/templive/templive/render"
)

var update = flag.Bool("update", false, "rewrite the patch.json sections of testdata/*.txtar")

// sameView reports whether got (a patched tree) equals want (the new tree),
// except below elements that are opaque in want: their children are the
// client's, not the render's.
func sameView(got, want *render.Node) bool {
	if got.Type != want.Type || got.Namespace != want.Namespace || got.Data != want.Data ||
		len(got.Attrs) != len(want.Attrs) {
		return false
	}
	for i := range got.Attrs {
		if got.Attrs[i] != want.Attrs[i] {
			return false
		}
	}
	if opaque(want) {
		return true
	}
	if len(got.Children) != len(want.Children) {
		return false
	}
	for i := range got.Children {
		if !sameView(&got.Children[i], &want.Children[i]) {
			return false
		}
	}
	return true
}

func mustParse(t testing.TB, html string) *render.Node {
	t.Helper()
	n, err := render.ParseFragment([]byte(html))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// roundTrip diffs old against new, applies the patch (also after a trip
// through JSON) to old, and fails unless the result is new.
func roundTrip(t testing.TB, oldHTML, newHTML string) Patch {
	t.Helper()
	old, new := mustParse(t, oldHTML), mustParse(t, newHTML)
	p := Diff(old, new)
	wire := p.AppendJSON(nil)
	for _, via := range []string{"Go", "JSON"} {
		q := p
		if via == "JSON" {
			var err error
			if q, err = DecodeJSON(wire); err != nil {
				t.Fatalf("DecodeJSON(%s): %v", wire, err)
			}
		}
		got := old.Clone()
		if err := Apply(got, q); err != nil {
			t.Fatalf("Apply (%s) of %s\nold: %q\nnew: %q\nerror: %v", via, wire, oldHTML, newHTML, err)
		}
		if !sameView(got, new) {
			t.Fatalf("Apply (%s) of %s to\n%q\ngives\n%q\nwant\n%q", via, wire,
				oldHTML, got.AppendHTML(nil), new.AppendHTML(nil))
		}
	}
	return p
}

func TestDiffGolden(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("testdata/*.txtar")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			t.Parallel()
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			sections := map[string]int{}
			for i, f := range ar.Files {
				sections[f.Name] = i
			}
			oi, ok1 := sections["old.html"]
			ni, ok2 := sections["new.html"]
			if !ok1 || !ok2 {
				t.Fatal("want old.html and new.html sections")
			}
			trim := func(b []byte) string { return string(bytes.TrimSuffix(b, []byte("\n"))) }
			p := roundTrip(t, trim(ar.Files[oi].Data), trim(ar.Files[ni].Data))
			got := string(p.AppendJSON(nil)) + "\n"
			pi, ok := sections["patch.json"]
			if *update {
				if !ok {
					ar.Files = append(ar.Files, txtar.File{Name: "patch.json"})
					pi = len(ar.Files) - 1
				}
				ar.Files[pi].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if !ok {
				t.Fatal("no patch.json section; run go test -update")
			}
			if want := string(ar.Files[pi].Data); got != want {
				t.Errorf("patch:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestDiffRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, old, new string }{
		{"identical trees give an empty patch", `<p>a</p>`, `<p>a</p>`},
		{"everything can be removed", `<p>a</p>text<!--c-->`, ``},
		{"everything can be added", ``, `<p>a</p>text`},
		{"removing an element between texts leaves one text", `a<b>x</b>c`, `ac`},
		{"inserting an element splits a text", `ac`, `a<b>x</b>c`},
		{"keyed items reverse", `<ul><li id=a>a</li><li id=b>b</li><li id=c>c</li><li id=d>d</li></ul>`, `<ul><li id=d>d</li><li id=c>c</li><li id=b>b</li><li id=a>a</li></ul>`},
		{"keyed items shuffle with inserts and deletes", `<ul><li id=a>a</li><li id=b>b</li><li id=c>c</li><li id=d>d</li><li id=e>e</li></ul>`, `<ul><li id=x>x</li><li id=e>e</li><li id=c>c2</li><li id=y>y</li><li id=a>a</li></ul>`},
		{"live-key wins over id", `<i live-key=1 id=a>1</i><i live-key=2 id=b>2</i>`, `<i live-key=2 id=a>2</i><i live-key=1 id=b>1</i>`},
		{"a duplicate key is treated as new", `<i id=a>1</i><i id=a>2</i>`, `<i id=a>2</i><i id=a>1</i><i id=a>3</i>`},
		{"a tag change replaces the node", `<div><span>a</span></div>`, `<div><em>a</em></div>`},
		{"rows insert into the tbody", `<table><tr id=r1><td>1</td></tr></table>`, `<table><tr id=r0><td>0</td></tr><tr id=r1><td>1</td></tr></table>`},
		{"attributes keep their order", `<a x=1 y=2 z=3>l</a>`, `<a x=1 w=0 z=3 y=2>l</a>`},
		{"a textarea's text changes", "<textarea>\nold</textarea>", "<textarea>\n\nnew &amp; improved</textarea>"},
		{"a script's text changes", `<script>var a = 1</script>`, `<script>var a = "</b>"</script>`},
		{"an empty element gets text", `<p></p>`, `<p>now</p>`},
		{"pre gains a leading newline", `<pre>x</pre>`, "<pre>\n\nx</pre>"},
		{"an ignored container keeps its children", `<div live-update="ignore" class=a><b>client</b></div>`, `<div live-update="ignore" class=b><i>server</i></div>`},
		{"a stream container keeps its children", `<ul live-update="stream"><li id=1>1</li></ul><p>x</p>`, `<ul live-update="stream"></ul><p>y</p>`},
		{"a container that stops ignoring is replaced", `<div live-update="ignore"><b>x</b></div>`, `<div><b>y</b></div>`},
		{"svg children are patched", `<svg><circle r="1"></circle></svg>`, `<svg><circle r="2"></circle><rect></rect></svg>`},
		{"select options change", `<select><option value=1>One</option></select>`, `<select><option value=0>Zero</option><option value=1 selected>One</option></select>`},
		{"a splice inside multi-byte text", "<p>a long shared prefix 😀 é then x and a long shared suffix</p>", "<p>a long shared prefix 😀 é then y😀 and a long shared suffix</p>"},
		{"a changed template is replaced whole", `<template id=t><p>a</p></template>`, `<template id=t><p>b</p></template>`},
		{"an unchanged template only gets its attributes", `<template id=t class=a><p>a</p></template>`, `<template id=t class=b><p>a</p></template>`},
		{"misnested markup round trips", `<p><b>1<i>2</b>3</i></p>`, `<p><b>1<i>4</b>3</i>5</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			roundTrip(t, tt.old, tt.new)
		})
	}
}

func TestPrependToKeyedListIsOneInsert(t *testing.T) {
	t.Parallel()
	var old, new strings.Builder
	new.WriteString("<ul>\n")
	old.WriteString("<ul>\n")
	new.WriteString(`  <li id="item-new">new</li>` + "\n")
	for i := range 200 {
		item := `  <li id="item-` + string(rune('a'+i%26)) + strings.Repeat("x", i/26) + `">item</li>` + "\n"
		old.WriteString(item)
		new.WriteString(item)
	}
	old.WriteString("</ul>")
	new.WriteString("</ul>")
	p := roundTrip(t, old.String(), new.String())
	if len(p) != 1 || p[0].Code != OpInsert {
		t.Fatalf("patch %s, want one insert", p.AppendJSON(nil))
	}
}

func TestOneTextChangeOnABigPageIsSmall(t *testing.T) {
	t.Parallel()
	old := contentPage(0)
	new := bytes.Replace(old, []byte("Paragraph 57 "), []byte("Paragraph 57!"), 1)
	p := roundTrip(t, string(old), string(new))
	if n := len(p.AppendJSON(nil)); len(p) != 1 || n > 64 {
		t.Fatalf("patch of %d bytes: %s", n, p.AppendJSON(nil))
	}
}
