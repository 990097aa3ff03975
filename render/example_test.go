package render_test

import (
	"context"
	"fmt"
	"io"

	"github.com/a-h/templ"

	"github.com/templive/templive/render"
)

func ExampleParseFragment() {
	root, err := render.ParseFragment([]byte("<table><tr><td>1</td></tr></table>"))
	if err != nil {
		panic(err)
	}
	table := &root.Children[0]
	fmt.Println(table.Data, table.Children[0].Data)
	fmt.Println(string(root.AppendHTML(nil)))
	// Output:
	// table tbody
	// <table><tbody><tr><td>1</td></tr></tbody></table>
}

func ExampleComponent() {
	hello := templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<p class="greeting">Hello, &amp; welcome</p>`)
		return err
	})
	html, err := render.Component(context.Background(), hello)
	if err != nil {
		panic(err)
	}
	root, err := render.ParseFragment(html)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", root.Children[0].Children[0].Data)
	// Output:
	// "Hello, & welcome"
}

func ExampleParseFragmentIn() {
	table := &render.Node{Type: render.ElementNode, Data: "table"}
	tbody := &render.Node{Type: render.ElementNode, Data: "tbody"}
	rows, err := render.ParseFragmentIn([]byte(`<tr><td>1</td></tr>`), []*render.Node{table, tbody})
	if err != nil {
		panic(err)
	}
	fmt.Println(rows.Children[0].Data)
	// Output:
	// tr
}
