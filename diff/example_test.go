package diff_test

import (
	"fmt"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/render"
)

func ExampleDiff() {
	old, _ := render.ParseFragment([]byte(`<ul><li id="b">B</li><li id="c">C</li></ul><p>2 items</p>`))
	new, _ := render.ParseFragment([]byte(`<ul><li id="a">A</li><li id="b">B</li><li id="c">C</li></ul><p>3 items</p>`))
	p := diff.Diff(old, new)
	fmt.Println(string(p.AppendJSON(nil)))
	// Output:
	// [[3,[0,0],"<li id=\"a\">A</li>"],[0,[1,0],"3 items"]]
}

func ExampleApply() {
	tree, _ := render.ParseFragment([]byte(`<p class="a">hello</p>`))
	p, err := diff.DecodeJSON([]byte(`[[1,[0],"class","b"],[0,[0,0],"bye"]]`))
	if err != nil {
		panic(err)
	}
	if err := diff.Apply(tree, p); err != nil {
		panic(err)
	}
	fmt.Println(string(tree.AppendHTML(nil)))
	// Output:
	// <p class="b">bye</p>
}
