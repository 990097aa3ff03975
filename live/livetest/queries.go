package livetest

import (
	"testing"

	"github.com/templive/templive/render"
	"github.com/templive/templive/render/pretty"
)

// HTML returns the view's current HTML (the root's contents).
func (v *View) HTML() string { return string(v.tree.AppendHTML(nil)) }

// pretty returns the current HTML, indented, for failure messages.
func (v *View) pretty() string {
	if v.tree == nil {
		return ""
	}
	return pretty.HTML(v.tree.AppendHTML(nil))
}

// Has reports whether an element matches sel.
func (v *View) Has(sel string) bool { v.t.Helper(); return len(query(v.t, v.tree, sel)) > 0 }

// Count returns how many elements match sel.
func (v *View) Count(sel string) int { v.t.Helper(); return len(query(v.t, v.tree, sel)) }

// Text returns the text content of the first element matching sel; the
// test fails, printing the HTML, if there is none.
func (v *View) Text(sel string) string { v.t.Helper(); return text(one(v.t, v.tree, sel)) }

// Texts returns the text content of every element matching sel.
func (v *View) Texts(sel string) []string {
	v.t.Helper()
	var out []string
	for _, n := range query(v.t, v.tree, sel) {
		out = append(out, text(n))
	}
	return out
}

// Attr returns an attribute of the first element matching sel.
func (v *View) Attr(sel, name string) (string, bool) {
	v.t.Helper()
	return one(v.t, v.tree, sel).Attr(name)
}

// Title returns the document title the view set, if any.
func (v *View) Title() string { return v.title }

// URL returns the view's current URL (after patches and navigations).
func (v *View) URL() string { return v.url }

// Redirect returns where the view redirected the browser (a full page
// load), or "".
func (v *View) Redirect() string { return v.redirect }

// Events returns the events pushed to client hooks so far, and forgets
// them.
func (v *View) Events() []PushedEvent {
	e := v.events
	v.events = nil
	return e
}

// LastRenderBytes returns the size on the wire of the last frame that
// carried a render (an event's reply or a "diff" push): what one update
// cost.
func (v *View) LastRenderBytes() int { return v.lastRender }

// BytesReceived returns the bytes of every frame the server sent the view's
// connection so far, handled by the test or not: what a browser would have
// downloaded.
func (v *View) BytesReceived() int64 { return v.received.Load() }

// ID returns the view's id ([live.Socket.ID]).
func (v *View) ID() string { return v.id }

// query returns the elements matching sel, failing the test on a bad
// selector.
func query(t testing.TB, root *render.Node, sel string) []*render.Node {
	t.Helper()
	if root == nil {
		t.Fatalf("livetest: no live view to query")
	}
	s, err := parseSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return s.all(root)
}

// one returns the first element matching sel, failing the test, with the
// HTML, if there is none.
func one(t testing.TB, root *render.Node, sel string) *render.Node {
	t.Helper()
	els := query(t, root, sel)
	if len(els) == 0 {
		t.Fatalf("livetest: nothing matches %q in:\n%s", sel, pretty.HTML(root.AppendHTML(nil)))
	}
	return els[0]
}
