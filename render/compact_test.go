package render

import (
	"testing"
)

func TestCompactCopiesTheTree(t *testing.T) {
	t.Parallel()
	src := []byte(`<ul id="s" live-update="stream"><li id="a">one &amp; two</li><li>three</li></ul><p class="x">text<!-- c --></p><svg viewbox="0 0 1 1"><circle r="1"></circle></svg>`)
	tree, err := ParseFragment(src)
	if err != nil {
		t.Fatal(err)
	}
	c := Compact(tree)
	if !Equal(c, tree) {
		t.Fatalf("Compact changed the tree:\n%s\nwant\n%s", dump(c), dump(tree))
	}
	tree.Children[0].Children = nil
	if len(c.Children[0].Children) != 2 {
		t.Fatal("Compact shares child slices with its input")
	}
	if len(cap0(c)) != 0 {
		t.Fatal("unexpected spare capacity")
	}
}

// cap0 returns the nodes of n's tree whose child slice has spare capacity,
// which appends in Apply would then write into.
func cap0(n *Node) []*Node {
	var out []*Node
	if cap(n.Children) != len(n.Children) || cap(n.Attrs) != len(n.Attrs) {
		out = append(out, n)
	}
	for i := range n.Children {
		out = append(out, cap0(&n.Children[i])...)
	}
	return out
}
