package render

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/templive/templive/render/pretty"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dump writes a tree one node a line, indented, with text quoted so node
// boundaries and whitespace are visible.
func dump(n *Node) string {
	var b strings.Builder
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		ind := strings.Repeat("  ", depth)
		switch n.Type {
		case TextNode:
			fmt.Fprintf(&b, "%s%q\n", ind, n.Data)
		case CommentNode:
			fmt.Fprintf(&b, "%s<!-- %q -->\n", ind, n.Data)
		case ElementNode:
			ns := [...]string{"", "svg ", "math "}[n.Namespace]
			fmt.Fprintf(&b, "%s<%s%s", ind, ns, n.Data)
			for _, a := range n.Attrs {
				fmt.Fprintf(&b, " %s=%q", a.Key, a.Val)
			}
			b.WriteString(">\n")
		}
		for i := range n.Children {
			walk(&n.Children[i], depth+1)
		}
	}
	for i := range n.Children {
		walk(&n.Children[i], 0)
	}
	return b.String()
}

// checkFidelity fails unless ParseFragment builds exactly the tree of
// x/net/html's HTML5 parser, and the tree survives serialization.
func checkFidelity(t *testing.T, src []byte) *Node {
	t.Helper()
	got, err := ParseFragment(src)
	if err != nil {
		t.Fatalf("ParseFragment: %v", err)
	}
	want, err := parseSlow(string(src), nil)
	if err != nil {
		t.Fatalf("x/net/html: %v", err)
	}
	if !Equal(got, want) {
		t.Fatalf("tree differs from x/net/html for %q\ngot:\n%s\nwant:\n%s", src, dump(got), dump(want))
	}
	return got
}

func TestParseFragmentGolden(t *testing.T) {
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
			var input []byte
			wantIdx := -1
			for i, f := range ar.Files {
				switch f.Name {
				case "input.html":
					input = bytes.TrimSuffix(f.Data, []byte("\n"))
				case "tree.txt":
					wantIdx = i
				}
			}
			tree := checkFidelity(t, input)
			got := dump(tree)
			if *update {
				if wantIdx < 0 {
					ar.Files = append(ar.Files, txtar.File{Name: "tree.txt"})
					wantIdx = len(ar.Files) - 1
				}
				ar.Files[wantIdx].Data = []byte(got)
				if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantIdx < 0 {
				t.Fatal("no tree.txt section; run with -update")
			}
			if want := string(ar.Files[wantIdx].Data); got != want {
				t.Errorf("tree:\n%s\nwant:\n%s\ninput, pretty:\n%s", got, want, pretty.HTML(input))
			}
		})
	}
}

func TestParseFragmentMatchesHTML5Parser(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, html string }{
		{"a plain div nests its children", `<div class="a"><span>x</span> y</div>`},
		{"void elements take no children", `<p>a<br>b<img src=x><input value="v"/>c</p>`},
		{"a p is closed by a following div", `<p>one<div>two</div>`},
		{"a stray end p inserts an empty p", `<div></p></div>`},
		{"a tr gets an implied tbody", `<table><tr><td>1</td></tr></table>`},
		{"whitespace in a table stays where it is", "<table>\n <tbody>\n  <tr> <td>1</td> </tr>\n </tbody>\n</table>"},
		{"text in a table is foster parented", `<table>oops<tr><td>1</td></tr></table>`},
		{"script content is raw text", `<script>if (a < b && c) { x = "</div>" }</script>`},
		{"style content is raw text", `<style>a > b { color: red }</style>`},
		{"textarea decodes entities and drops its first newline", "<textarea>\nx &amp; &lt;y&gt;</textarea>"},
		{"title inside the body is RCDATA", `<title>a &amp; <b>b</b></title>`},
		{"pre drops its first newline", "<pre>\n\nkeep one</pre>"},
		{"entities decode in text and attributes", `<a href="/?a=1&amp;b=2" title="&quot;q&#39;">&lt;tag&gt; &amp; &nbsp;&#169;&#x263a;</a>`},
		{"named entities with semicolons", `<p title="&mdash;&hellip;&notin;">&rsquo;&copy;&NotEqualTilde;&semi;</p>`},
		{"a reference that only starts with an entity name", `<p title="&notit;">&notit;</p>`},
		{"legacy entities without semicolons", `<p>&copy &notit; &amp</p><a href="?x=1&copy=2">l</a>`},
		{"misnested formatting elements are repaired", `<b>1<i>2</b>3</i>`},
		{"a list item closes the previous one", `<ul><li>a<li>b</ul>`},
		{"nested forms are dropped", `<form><div><form><input></form></div></form>`},
		{"svg content is foreign", `<svg viewbox="0 0 1 1"><foreignobject><p>x</p></foreignobject><circle r="1"/></svg>`},
		{"upper case tags and attributes are lower-cased", `<DIV ID="X" Class=y>t</DIV>`},
		{"repeated attributes keep the first", `<div a="1" a="2"></div>`},
		{"comments are nodes", `a<!-- c -->b<!---->`},
		{"carriage returns become newlines", "a\r\nb\rc"},
		{"nul characters are dropped from text", "a\x00b"},
		{"select holds options", `<select name="s"><option value="1" selected>One</option><optgroup label="g"><option>Two</option></optgroup></select>`},
		{"a heading closes an open heading", `<h1>a<h2>b</h2>`},
		{"unclosed elements end at the end", `<div><span>x`},
		{"stray less-than is text", `a < b`},
		{"custom elements are plain", `<my-card data-x="1"><slot-x>y</slot-x></my-card>`},
		{"a button inside a button closes it", `<button>a<button>b</button>`},
		{"dl items close each other", `<dl><dt>a<dd>b<dt>c</dl>`},
		{"tables nest inside cells", `<table><tbody><tr><td><table><tr><td>x</td></tr></table></td></tr></tbody></table>`},
		{"colgroups hold cols", `<table><colgroup><col span="2"><col></colgroup><thead><tr><th>h</th></tr></thead></table>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkFidelity(t, []byte(tt.html))
		})
	}
}

func TestAppendHTMLRoundTrips(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, html string }{
		{"text is escaped", `<p>&lt;a&gt; &amp; "q"</p>`},
		{"attributes are quoted", `<a href='x"y' title=plain data-e="">l</a>`},
		{"raw text stays raw", `<script>a<b</script><style>x>y</style>`},
		{"a leading newline in pre survives", "<pre>\n\nx</pre><textarea>\n\ny</textarea>"},
		{"no-break spaces survive", "<p>a\u00a0b</p>"},
		{"carriage returns survive", "<p>a&#13;b</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			first := checkFidelity(t, []byte(tt.html))
			out := first.AppendHTML(nil)
			second := checkFidelity(t, out)
			if !Equal(first, second) {
				t.Fatalf("%q serialized as %q, which parses to\n%s\nnot\n%s", tt.html, out, dump(second), dump(first))
			}
		})
	}
}
