package render

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/a-h/templ"
)

func TestParseFragmentInUsesTheParentsContext(t *testing.T) {
	t.Parallel()
	el := func(tag string, ns Namespace) *Node { return &Node{Type: ElementNode, Data: tag, Namespace: ns} }
	tests := []struct {
		name      string
		ancestors []*Node
		html      string
		want      string
	}{
		{"no ancestors is the view root", nil, `<tr><td>1</td></tr>`, "\"1\"\n"},
		{"a row stays a row in a tbody", []*Node{el("table", HTML), el("tbody", HTML)}, `<tr><td>1</td></tr>`, "<tr>\n  <td>\n    \"1\"\n"},
		{"a cell stays a cell in a row", []*Node{el("table", HTML), el("tbody", HTML), el("tr", HTML)}, `<td>1</td>`, "<td>\n  \"1\"\n"},
		{"markup is text in a textarea", []*Node{el("textarea", HTML)}, `<b>&amp;</b>`, "\"<b>&</b>\"\n"},
		{"markup is raw in a script", []*Node{el("script", HTML)}, `a<b>&amp;`, "\"a<b>&amp;\"\n"},
		{"svg children are svg", []*Node{el("svg", SVG)}, `<circle r="1"/>`, "<svg circle r=\"1\">\n"},
		{"a form in a form is dropped", []*Node{el("form", HTML), el("div", HTML)}, `<form><input></form>`, "<input>\n"},
		{"a plain parent is the body context", []*Node{el("p", HTML)}, `<div>x</div>`, "<div>\n  \"x\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFragmentIn([]byte(tt.html), tt.ancestors)
			if err != nil {
				t.Fatal(err)
			}
			if d := dump(got); d != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", d, tt.want)
			}
		})
	}
}

func TestParseFragmentRefusesAbsurdNesting(t *testing.T) {
	t.Parallel()
	deep := make([]byte, 0, 6000)
	for range 1000 {
		deep = append(deep, "<div>"...)
	}
	if _, err := ParseFragment(deep); !errors.Is(err, ErrParse) {
		t.Fatalf("got %v, want ErrParse", err)
	}
}

func TestComponentReturnsTheRenderError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	c := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, _ = io.WriteString(w, "<p>partial")
		return boom
	})
	if _, err := Component(t.Context(), c); !errors.Is(err, boom) {
		t.Fatalf("Component: %v", err)
	}
	if _, err := AppendComponent(t.Context(), nil, c); !errors.Is(err, boom) {
		t.Fatalf("AppendComponent: %v", err)
	}
}
