package render

import "testing"

// FuzzParseFragment checks that the fast path never builds a tree other than
// the HTML5 parser's. Seeds live in testdata/fuzz/FuzzParseFragment and run
// on every go test.
func FuzzParseFragment(f *testing.F) {
	for _, s := range []string{
		`<div id="a"><p>x<b>y</b></p></div>`,
		`<table><tr><td>1</td></tr></table>`,
		`<ul><li>a</li><li>b</li></ul>`,
		`<select><option>a</option></select>`,
		"<pre>\nx</pre><textarea>\ny</textarea>",
		`<p>a<div>b</div></p>`,
		`<a href="x&amp;y">l</a><!-- c -->`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		got, err := ParseFragment(src)
		if err != nil {
			t.Fatalf("ParseFragment(%q): %v", src, err)
		}
		want, err := parseSlow(string(src), nil)
		if err != nil {
			t.Fatalf("x/net/html(%q): %v", src, err)
		}
		if !Equal(got, want) {
			t.Fatalf("tree differs from x/net/html for %q\ngot:\n%s\nwant:\n%s", src, dump(got), dump(want))
		}
		assertBrowserTree(t, got)
	})
}

// assertBrowserTree fails if n has a node no parsed DOM has: adjacent or
// empty text nodes.
func assertBrowserTree(t *testing.T, n *Node) {
	t.Helper()
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type == TextNode {
			if c.Data == "" {
				t.Fatalf("empty text node under <%s>", n.Data)
			}
			if i > 0 && n.Children[i-1].Type == TextNode {
				t.Fatalf("adjacent text nodes %q and %q under <%s>", n.Children[i-1].Data, c.Data, n.Data)
			}
		}
		assertBrowserTree(t, c)
	}
}
