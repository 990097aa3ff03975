package wire_test

import (
	"testing"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

func TestEventTargetIsTheNearestTargetOrComponent(t *testing.T) {
	t.Parallel()
	root, err := render.ParseFragment([]byte(`<p id="top"><b id="in-view">x</b></p>` +
		`<li live-component="a"><button id="a-btn">+</button>` +
		`<span live-target="view"><button id="a-to-view">s</button></span>` +
		`<div live-component="b"><button id="b-btn">+</button><button id="b-to-a" live-target="a">a</button></div></li>`))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"top":       "",
		"in-view":   "",
		"a-btn":     "a",
		"a-to-view": "",
		"b-btn":     "b",
		"b-to-a":    "a",
	}
	for id, want := range cases {
		el := byID(root, id)
		if el == nil {
			t.Fatalf("no #%s", id)
		}
		got, found := wire.EventTarget(root, el)
		if !found || got != want {
			t.Errorf("#%s: target %q (found %v), want %q", id, got, found, want)
		}
	}
	if _, found := wire.EventTarget(root, &render.Node{}); found {
		t.Error("an element of another tree was found")
	}
}

// byID returns the element of the tree under n whose id is id.
func byID(n *render.Node, id string) *render.Node {
	for i := range n.Children {
		c := &n.Children[i]
		if v, _ := c.Attr("id"); v == id {
			return c
		}
		if found := byID(c, id); found != nil {
			return found
		}
	}
	return nil
}
