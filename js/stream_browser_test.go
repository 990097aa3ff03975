package js_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// renderPage adds to patchPage applyRenders(cases): for each case it builds
// the before HTML in a <div> root, applies the render's patch and stream
// operations with the client's applyPatch and applyStreams, as the client
// applies a reply, and returns the shape of the root: one line per node,
// its path and describe(node), so that node boundaries count (two adjacent
// text nodes are not one).
const renderPage = patchPage + `
<script>
function shape(n, path, out) {
  n.childNodes.forEach((c, i) => {
    out.push(path + "/" + i + " " + describe(c))
    shape(c, path + "/" + i, out)
  })
  return out
}
window.applyRenders = cases => cases.map(c => {
  const root = document.createElement("div")
  document.body.append(root)
  try {
    root.innerHTML = c.before
    if (c.render.d) templive.applyPatch(root, c.render.d)
    if (c.render.s) templive.applyStreams(root, c.render.s)
    return shape(root, "", []).join("\n")
  } catch (e) {
    return "error: " + e.message
  } finally {
    root.remove()
  }
})
</script>`

// shape is the Go side of the page's shape(): the same lines for a tree.
func shape(n *render.Node, path string, out []string) []string {
	str := func(s string) string {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.Encode(s)
		return strings.TrimSuffix(b.String(), "\n")
	}
	for i := range n.Children {
		c := &n.Children[i]
		p := fmt.Sprintf("%s/%d", path, i)
		switch c.Type {
		case render.ElementNode:
			ns := map[render.Namespace]string{render.HTML: "xhtml", render.SVG: "svg", render.MathML: "MathML"}[c.Namespace]
			var attrs []string
			for _, a := range c.Attrs {
				attrs = append(attrs, a.Key+"="+str(a.Val))
			}
			d := "<" + ns + ":" + c.Data
			if len(attrs) > 0 {
				d += " " + strings.Join(attrs, " ")
			}
			out = append(out, p+" "+d+">")
		case render.TextNode:
			out = append(out, p+" 3:"+str(c.Data))
		case render.CommentNode:
			out = append(out, p+" 8:"+str(c.Data))
		}
		out = shape(c, p, out)
	}
	return out
}

// TestApplyStreamsMatchesTheGoTwin runs the apply goldens of internal/wire
// through the client's applyPatch and applyStreams and through
// wire.Render.Apply, the Go twin: on every case the twin does not refuse,
// both must leave the same nodes, text node boundaries included.
func TestApplyStreamsMatchesTheGoTwin(t *testing.T) {
	t.Parallel()
	files, _ := filepath.Glob("../internal/wire/testdata/apply.*.txtar")
	if len(files) == 0 {
		t.Fatal("no apply goldens in internal/wire/testdata")
	}
	type renderCase struct {
		Name   string          `json:"name"`
		Before string          `json:"before"`
		Render json.RawMessage `json:"render"`
	}
	var cases []renderCase
	var want []string
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		c := renderCase{Name: filepath.Base(file)}
		for _, f := range ar.Files {
			data := string(bytes.TrimSuffix(f.Data, []byte("\n")))
			switch f.Name {
			case "before.html":
				c.Before = data
			case "render.json":
				c.Render = json.RawMessage(data)
			}
		}
		root, err := render.ParseFragment([]byte(c.Before))
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		r, err := wire.DecodeRender(c.Render)
		if err == nil {
			err = r.Apply(root)
		}
		if err != nil {
			continue // the client skips what the twin refuses
		}
		cases = append(cases, c)
		want = append(want, strings.Join(shape(root, "", nil), "\n"))
	}
	if len(cases) < 5 {
		t.Fatalf("only %d apply goldens the twin accepts", len(cases))
	}

	srv := httptest.NewServer(pageMux(renderPage))
	defer srv.Close()
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL)
	arg, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	tab.Eval("applyRenders("+string(arg)+")", &got)
	if len(got) != len(cases) {
		t.Fatalf("%d results for %d cases", len(got), len(cases))
	}
	for i, c := range cases {
		if got[i] != want[i] {
			t.Errorf("%s: the client leaves\n%s\nthe Go twin\n%s", c.Name, got[i], want[i])
		}
	}
}
