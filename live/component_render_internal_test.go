package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/a-h/templ"
	templruntime "github.com/a-h/templ/runtime"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// splicePage is a view of components of every kind: keyed table rows, a
// group whose nested cells come and go with its own state, and a note
// rendered through templ's writer buffers, as generated code does.
type splicePage struct {
	title   string
	rows    []int
	groups  []string
	renders int // how many times the view rendered whole
}

func (v *splicePage) Mount(context.Context, *Socket, url.Values) error { return nil }

func (v *splicePage) Render() templ.Component {
	v.renders++
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) (err error) {
		// What templ's generated code does with a writer that is not one
		// of its buffers.
		tw, existing := templruntime.GetBuffer(w)
		if !existing {
			defer func() {
				if rerr := templruntime.ReleaseBuffer(tw); err == nil {
					err = rerr
				}
			}()
		}
		fmt.Fprintf(tw, `<h1>%s</h1><table><tbody>`, templ.EscapeString(v.title))
		for _, id := range v.rows {
			if err := Component("row-"+strconv.Itoa(id), &spliceRow{ID: id, Label: v.title}).Render(ctx, tw); err != nil {
				return err
			}
		}
		io.WriteString(tw, `</tbody></table><div class="groups">`)
		for _, g := range v.groups {
			io.WriteString(tw, "\n  ")
			var gw io.Writer = tw
			if g == "c" {
				// A writer of its own: where its HTML lands is not known.
				gw = struct{ io.Writer }{tw}
			}
			if err := Component("group-"+g, &spliceGroup{ID: g, n: 2}).Render(ctx, gw); err != nil {
				return err
			}
		}
		io.WriteString(tw, `</div><p>after `)
		if err := Component("note", &spliceNote{}).Render(ctx, tw); err != nil {
			return err
		}
		_, err = io.WriteString(tw, ` the end</p>`)
		return err
	})
}

type spliceRow struct {
	ID    int
	Label string
	n     int
	text  string
}

func (r *spliceRow) Update(ctx context.Context, s *Socket, next *spliceRow) error {
	r.Label = next.Label
	return nil
}

func (r *spliceRow) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<tr id="r%d"><td>%d</td><td class="label">%s</td><td>%d</td><td>%s</td></tr>`,
			r.ID, r.ID, templ.EscapeString(r.Label), r.n, templ.EscapeString(r.text))
		return err
	})
}

// spliceGroup renders n cells, each a component nested in it.
type spliceGroup struct {
	ID    string
	n     int
	steal bool // render the page's note too
}

func (g *spliceGroup) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) (err error) {
		tw, existing := templruntime.GetBuffer(w)
		if !existing {
			defer func() {
				if rerr := templruntime.ReleaseBuffer(tw); err == nil {
					err = rerr
				}
			}()
		}
		fmt.Fprintf(tw, `<section id="g-%s"><h2>%s</h2><ul>`, g.ID, g.ID)
		for i := range g.n {
			if err := Component(fmt.Sprintf("cell-%s-%d", g.ID, i), &spliceCell{}).Render(ctx, tw); err != nil {
				return err
			}
		}
		if g.steal {
			if err := Component("note", &spliceNote{}).Render(ctx, tw); err != nil {
				return err
			}
		}
		_, err = io.WriteString(tw, `</ul></section>`)
		return err
	})
}

type spliceCell struct{ v int }

func (c *spliceCell) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<li>%s</li>`, strings.Repeat("•", c.v))
		return err
	})
}

// spliceNote renders one element and text after it.
type spliceNote struct{ on bool }

func (n *spliceNote) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if n.on {
			_, err := io.WriteString(w, `<b class="on">on</b>`)
			return err
		}
		_, err := io.WriteString(w, `<i>off</i>`)
		return err
	})
}

// newSpliceChannel returns a rendered view channel of its own server, as
// benchRerender sets one up.
func newSpliceChannel(t *testing.T, v *splicePage) *viewChannel {
	t.Helper()
	srv := &Server{patches: newPatchCache(), logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	vc := &viewChannel{srv: srv, view: v, s: &Socket{srv: srv}}
	html, err := vc.render(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, doc, err := render.ParseDoc(html)
	if err != nil {
		t.Fatal(err)
	}
	vc.last.keep(html, nil, false, doc)
	return vc
}

// mutate changes the state of the component id of vc's view with r.
func mutate(t *testing.T, vc *viewChannel, id string, r *rand.Rand) {
	t.Helper()
	c, ok := vc.s.comps.get(id)
	if !ok {
		t.Fatalf("no component %q", id)
	}
	switch c := c.(type) {
	case *spliceRow:
		if r.IntN(2) == 0 {
			c.n += r.IntN(3)
		} else {
			c.text = strings.Repeat("<é>", r.IntN(4))
		}
	case *spliceGroup:
		c.n = r.IntN(4)
	case *spliceCell:
		c.v = r.IntN(3)
	case *spliceNote:
		c.on = !c.on
	}
}

// checkSpans checks that every component's span in the last render of vc
// is the one a render of the whole view recorded in want's.
func checkSpans(t *testing.T, vc, want *viewChannel) {
	t.Helper()
	for id, m := range vc.s.comps.byID {
		w := want.s.comps.byID[id]
		if w == nil {
			t.Fatalf("component %s is not in the whole render", id)
		}
		if m.start != w.start || m.end != w.end {
			t.Logf("got %q want %q", vc.last.html[m.start:m.end], want.last.html[w.start:w.end])
			t.Errorf("component %s: span %d:%d, want %d:%d", id, m.start, m.end, w.start, w.end)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// TestARenderOfComponentsAloneIsTheWholeViewsRender changes components of
// a page at random, nested ones and keyed rows among them, a few at a
// time, and now and then the view itself: the view that renders only the
// components whose state changed must send the same patches, and end
// with the same HTML, as its twin, which renders whole every time.
func TestARenderOfComponentsAloneIsTheWholeViewsRender(t *testing.T) {
	t.Parallel()
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			t.Parallel()
			r := rand.New(rand.NewPCG(seed, 14))
			newPage := func() *splicePage {
				return &splicePage{title: "T", rows: []int{0, 1, 2, 3, 4, 5, 6, 7}, groups: []string{"a", "b", "c"}}
			}
			pa, pb := newPage(), newPage()
			a, b := newSpliceChannel(t, pa), newSpliceChannel(t, pb)
			ctx := context.Background()
			alone := 0
			for step := range 60 {
				ra := rand.New(rand.NewPCG(seed, uint64(step)))
				rb := rand.New(rand.NewPCG(seed, uint64(step)))
				var what string
				if r.IntN(6) == 0 {
					// The view changes: a row moves to the top, goes, or
					// comes back; a group goes or comes; the title.
					switch r.IntN(4) {
					case 0:
						i := r.IntN(len(pa.rows))
						for _, p := range []*splicePage{pa, pb} {
							id := p.rows[i]
							p.rows = append([]int{id}, slices.Delete(p.rows, i, i+1)...)
						}
					case 1:
						i := r.IntN(len(pa.rows))
						pa.rows, pb.rows = slices.Delete(pa.rows, i, i+1), slices.Delete(pb.rows, i, i+1)
						if len(pa.rows) == 0 {
							pa.rows, pb.rows = []int{9}, []int{9}
						}
					case 2:
						if len(pa.groups) == 3 {
							pa.groups, pb.groups = pa.groups[:1], pb.groups[:1]
						} else {
							pa.groups, pb.groups = []string{"a", "b", "c"}, []string{"a", "b", "c"}
						}
					case 3:
						pa.title += "!"
						pb.title = pa.title
					}
					a.dirty, b.dirty = true, true
					what = "view"
				} else {
					ids := slices.Sorted(maps.Keys(a.s.comps.byID))
					for range 1 + r.IntN(3) {
						id := ids[r.IntN(len(ids))]
						mutate(t, a, id, ra)
						mutate(t, b, id, rb)
						a.componentRan(id)
						what += " " + id
					}
					b.dirty = true
				}
				oldHTML := bytes.Clone(a.last.html)
				before := pa.renders
				patchA, _, err := a.rerender(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if pa.renders == before {
					alone++
				} else if what != "view" && !strings.Contains(what, "-c") {
					t.Fatalf("step %d (%s): the view rendered whole", step, what)
				}
				a.dirty, a.parts = false, a.parts[:0]
				patchB, _, err := b.rerender(ctx)
				if err != nil {
					t.Fatal(err)
				}
				b.dirty = false
				if !bytes.Equal(a.last.html, b.last.html) {
					t.Fatalf("step %d (%s): HTML\n%s\nwant\n%s", step, what, a.last.html, b.last.html)
				}
				if !bytes.Equal(patchA, patchB) {
					t.Fatalf("step %d (%s): patch\n%s\nwant\n%s", step, what, patchA, patchB)
				}
				checkApplies(t, oldHTML, a.last.html, patchA)
				checkSpans(t, a, b)
				if !slices.Equal(slices.Sorted(maps.Keys(a.s.comps.byID)), slices.Sorted(maps.Keys(b.s.comps.byID))) {
					t.Fatalf("step %d (%s): components %v, want %v", step, what, slices.Sorted(maps.Keys(a.s.comps.byID)), slices.Sorted(maps.Keys(b.s.comps.byID)))
				}
			}
			if alone == 0 {
				t.Fatal("no component rendered alone")
			}
		})
	}
}

// checkApplies checks that patch takes the tree of old to that of new.
func checkApplies(t *testing.T, old, new []byte, patch []byte) {
	t.Helper()
	tree, err := render.ParseFragment(old)
	if err != nil {
		t.Fatal(err)
	}
	want, err := render.ParseFragment(new)
	if err != nil {
		t.Fatal(err)
	}
	if patch != nil {
		p, err := diff.DecodeJSON(patch)
		if err != nil {
			t.Fatal(err)
		}
		if err := diff.Apply(tree, p); err != nil {
			t.Fatalf("apply %s: %v", patch, err)
		}
	}
	if !render.Equal(tree, want) {
		t.Fatalf("the patch %s does not take\n%s\nto\n%s", patch, old, new)
	}
}

// TestAComponentAloneRenderingAnIDFromElsewhereIsTheWholeViewsError: a
// component that starts rendering a component its view renders elsewhere
// is two components with one id, as a render of the whole view finds, not
// a component that moved.
func TestAComponentAloneRenderingAnIDFromElsewhereIsTheWholeViewsError(t *testing.T) {
	t.Parallel()
	p := &splicePage{title: "T", rows: []int{0, 1}, groups: []string{"a"}}
	vc := newSpliceChannel(t, p)
	g, _ := vc.s.comps.get("group-a")
	g.(*spliceGroup).steal = true
	vc.componentRan("group-a")
	_, _, err := vc.rerender(context.Background())
	if err == nil || !strings.Contains(err.Error(), `two components with id "note"`) {
		t.Fatalf("rerender: %v, want two components with id note", err)
	}
}

// streamPage renders a stream whose items hold a component each, and a
// component outside it.
type streamPage struct {
	posts   *Stream[string]
	renders int
}

func (v *streamPage) Mount(context.Context, *Socket, url.Values) error { return nil }

func (v *streamPage) Render() templ.Component {
	v.renders++
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, `<ul id="posts" live-update="stream">`)
		for _, it := range v.posts.Items() {
			if err := Component("post-"+it.Value, &itemNote{id: it.ID}).Render(ctx, w); err != nil {
				return err
			}
		}
		io.WriteString(w, `</ul><p>`)
		if err := Component("note", &spliceNote{}).Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</p>`)
		return err
	})
}

// itemNote is a spliceNote that is a stream item: its root element is
// the item, with the item's id.
type itemNote struct {
	id string
	spliceNote
}

func (n *itemNote) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		fmt.Fprintf(w, `<li id="%s">`, n.id)
		if err := n.spliceNote.Render().Render(ctx, w); err != nil {
			return err
		}
		_, err := io.WriteString(w, `</li>`)
		return err
	})
}

// TestComponentsRenderAloneOnlyFromARenderWithoutStreamItems: after a
// render whose stream items were cut out of what the view keeps, the
// component of a stream item renders alone into a stream operation that
// replaces its item, and the view does not render; a component outside
// the stream renders alone once the last render has no items.
func TestComponentsRenderAloneOnlyFromARenderWithoutStreamItems(t *testing.T) {
	t.Parallel()
	p := &streamPage{}
	srv := &Server{patches: newPatchCache(), logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	vc := &viewChannel{srv: srv, view: p, s: &Socket{srv: srv}}
	p.posts = NewStream(vc.s, "posts", func(id string) string { return "p-" + id })
	ctx := context.Background()
	step := func(what string, dirty bool, parts ...string) (json.RawMessage, []wire.StreamOp) {
		t.Helper()
		vc.dirty = dirty
		for _, id := range parts {
			c, ok := vc.s.comps.get(id)
			if !ok {
				t.Fatalf("%s: no component %s", what, id)
			}
			switch c := c.(type) {
			case *spliceNote:
				c.on = !c.on
			case *itemNote:
				c.on = !c.on
			}
			vc.componentRan(id)
		}
		patch, ops, err := vc.rerender(ctx)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		vc.dirty, vc.parts = false, vc.parts[:0]
		return patch, ops
	}
	step("the first render", true)
	p.posts.Insert("1")
	step("a post inserted", true)
	if vc.last.compact == nil {
		t.Fatal("the render with a stream item was not cut")
	}
	renders := p.renders
	patch, ops := step("the post's component changes", false, "post-1")
	if p.renders != renders {
		t.Fatal("a component of a stream item rendered its view")
	}
	want := `<li live-component="post-1" id="p-1"><b class="on">on</b></li>`
	if len(patch) != 0 || len(ops) != 1 || ops[0].Kind != wire.StreamInsert || ops[0].ID != "p-1" || ops[0].HTML != want {
		t.Fatalf("patch %s, stream operations %+v; want only the item replaced with %s", patch, ops, want)
	}
	if _, ok := vc.s.comps.get("post-1"); !ok {
		t.Error("the stream item's component did not outlive the render that forgot the item")
	}
	step("the component outside the stream changes", false, "note")
	if p.renders != renders+1 {
		t.Error("the component outside the stream rendered alone from a render with stream items")
	}
	step("the component outside the stream changes again", false, "note")
	if p.renders != renders+1 {
		t.Error("the component outside the stream did not render alone once no item was in the last render")
	}
	if _, ok := vc.s.comps.get("post-1"); !ok {
		t.Error("the stream item's component did not outlive the view's renders")
	}
}
