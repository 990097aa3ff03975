package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// row is a stateful component: a counter of its own, with a label its
// view passes in.
type row struct {
	ID     string
	Label  string
	n      int
	mounts int
	note   string
	ended  *endings // shared with the view, to see the rows that ended
}

// endings records why components ended, by id.
type endings struct {
	mu  sync.Mutex
	why map[string]error
}

func (e *endings) get(id string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.why[id]
}

// reset is a SendUpdate message for a row; rowReport a row's message to
// its view.
type (
	reset     struct{ to int }
	rowReport struct {
		id string
		n  int
	}
)

func (r *row) Mount(ctx context.Context, s *live.Socket) error {
	r.mounts++
	return nil
}

func (r *row) Update(ctx context.Context, s *live.Socket, next *row) error {
	r.Label = next.Label
	return nil
}

func (r *row) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<li id="row-%s"><span class="label">%s</span> <span class="n">%d</span> <span class="mounts">%d</span>`+
			`<button class="inc" live-click="inc" live-value-by="1">+</button><button class="report" live-click="report">report</button>`+
			`<button class="save" live-click="save" live-target="view" live-value-row="%s">save</button><button class="crash" live-click="crash">!</button>`+
			`<form id="note-%s" live-change="note"><input name="text" value="%s"></form><button class="js-inc" live-click="%s">+3</button></li>`,
			r.ID, templ.EscapeString(r.Label), r.n, r.mounts, r.ID, r.ID, templ.EscapeString(r.note),
			templ.EscapeString(live.JS().Push("inc", url.Values{"by": {"3"}}).String()))
		return err
	})
}

func (r *row) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		var by int
		fmt.Sscan(ev.Value("by"), &by)
		r.n += by
	case "report":
		s.Send(rowReport{id: r.ID, n: r.n})
	case "inc-report":
		r.n++
		s.Send(rowReport{id: r.ID, n: r.n})
	case "crash":
		return errors.New("row refused")
	case "note":
		r.note = ev.Value("text")
	}
	return nil
}

func (r *row) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(reset); ok {
		r.n = m.to
	}
	return nil
}

func (r *row) Terminate(reason error) {
	r.ended.mu.Lock()
	defer r.ended.mu.Unlock()
	r.ended.why[r.ID] = reason
}

// rows is a view of rows, one component each.
type rows struct {
	ids    []string
	label  string
	report string
	saved  string
	ended  *endings
}

func (v *rows) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.ids = strings.Split(params.Get("ids"), ",")
	v.label = "row"
	return nil
}

func (v *rows) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := fmt.Fprintf(w, `<p id="report">%s</p><p id="saved">%s</p><button id="relabel" live-click="relabel">relabel</button><button id="drop" live-click="drop">drop</button><ul>`,
			templ.EscapeString(v.report), templ.EscapeString(v.saved)); err != nil {
			return err
		}
		for _, id := range v.ids {
			if err := live.Component(id, &row{ID: id, Label: v.label + " " + id, ended: v.ended}).Render(ctx, w); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</ul>`)
		return err
	})
}

func (v *rows) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "relabel":
		v.label = "item"
	case "drop":
		v.ids = v.ids[:len(v.ids)-1]
	case "add":
		v.ids = append(v.ids, ev.Value("id"))
	case "save":
		v.saved = ev.Value("row")
	case "poke":
		s.SendUpdate(ev.Value("id"), reset{to: 40})
	}
	return nil
}

func (v *rows) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(rowReport); ok {
		v.report = fmt.Sprintf("%s=%d", m.id, m.n)
	}
	return nil
}

// newRowsServer serves the rows view at /rows; ended learns why its rows
// ended.
func newRowsServer(t *testing.T) (*live.Server, *endings) {
	t.Helper()
	ended := &endings{why: map[string]error{}}
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/rows", func() live.View { return &rows{ended: ended} })
	return srv, ended
}

func TestComponentsKeepTheirStateAcrossTheirViewsRenders(t *testing.T) {
	t.Parallel()
	srv, _ := newRowsServer(t)
	v := livetest.Mount(t, srv, "/rows?ids=a,b")
	v.Click("#row-a .inc")
	v.Click("#row-a .inc")
	v.Click("#row-b .inc")
	if a, b := v.Text("#row-a .n"), v.Text("#row-b .n"); a != "2" || b != "1" {
		t.Fatalf("counts a=%s b=%s, want 2 and 1", a, b)
	}
	v.Click("#relabel") // the view renders again, with new inputs for every row
	if got := v.Text("#row-a .label"); got != "item a" {
		t.Errorf("label = %q: Update did not pass the view's new input", got)
	}
	if a, b := v.Text("#row-a .n"), v.Text("#row-b .n"); a != "2" || b != "1" {
		t.Errorf("counts a=%s b=%s after the view's render, want 2 and 1", a, b)
	}
	if got := v.Text("#row-a .mounts"); got != "1" {
		t.Errorf("row a mounted %s times, want once", got)
	}
	v.Run("#row-b .js-inc", "click") // a client command's push goes where the element's events go
	if got := v.Text("#row-b .n"); got != "4" {
		t.Errorf("row b = %s after its pushed inc, want 4", got)
	}
	if got, _ := v.Attr("#row-b", "live-component"); got != "b" {
		t.Errorf("root of row b has live-component=%q", got)
	}
}

func TestAComponentsEventsGoToItUnlessItsElementTargetsTheView(t *testing.T) {
	t.Parallel()
	srv, _ := newRowsServer(t)
	v := livetest.Mount(t, srv, "/rows?ids=a,b")
	v.Click("#row-b .save") // live-target="view"
	if got := v.Text("#saved"); got != "b" {
		t.Errorf("saved = %q: live-target=view did not reach the view", got)
	}
	if got := v.Text("#row-b .n"); got != "0" {
		t.Errorf("row b counted %s", got)
	}
	// A live-target naming a component sends it there from anywhere.
	if err := v.TryEventTo("a", live.EventClick, "inc", url.Values{"by": {"5"}}); err != nil {
		t.Fatal(err)
	}
	if got := v.Text("#row-a .n"); got != "5" {
		t.Errorf("row a = %s, want 5", got)
	}
}

func TestComponentsAndTheirViewSendEachOtherMessages(t *testing.T) {
	t.Parallel()
	srv, _ := newRowsServer(t)
	v := livetest.Mount(t, srv, "/rows?ids=a,b")
	v.Click("#row-a .inc")
	v.Click("#row-a .report")
	v.SyncUntil("the view shows row a's report", func() bool { return v.Text("#report") == "a=1" })

	v.Event(live.EventClick, "poke", url.Values{"id": {"b"}}) // Socket.SendUpdate from the view
	v.SyncUntil("row b takes the view's update", func() bool { return v.Text("#row-b .n") == "40" })
	if got := v.Text("#row-a .n"); got != "1" {
		t.Errorf("row a = %s: the update reached another component", got)
	}

	v.SendUpdate("a", reset{to: 7}) // Server.SendUpdate, from outside the view
	if got := v.Text("#row-a .n"); got != "7" {
		t.Errorf("row a = %s after SendUpdate, want 7", got)
	}
	v.SendUpdate("gone", reset{to: 7}) // dropped: no such component
	if got := v.Text("#row-b .n"); got != "40" {
		t.Errorf("row b = %s", got)
	}
}

func TestAComponentsEventThatAlsoTellsItsViewEndsInTheWholeViewsRender(t *testing.T) {
	t.Parallel()
	srv, _ := newRowsServer(t)
	// v renders only the rows whose events ran, when their view's own
	// callbacks did not; twin follows every event with one of the view,
	// so it renders whole every time.
	v := livetest.Mount(t, srv, "/rows?ids=a,b,c")
	twin := livetest.Mount(t, srv, "/rows?ids=a,b,c")
	steps := []struct{ row, event string }{
		{"b", "inc-report"}, {"a", "inc"}, {"c", "inc-report"}, {"b", "inc"}, {"b", "inc-report"}, {"a", "note"},
	}
	for i, st := range steps {
		vals := url.Values{"by": {"2"}, "text": {fmt.Sprint("note <", i, ">")}}
		for _, w := range []*livetest.View{v, twin} {
			if err := w.TryEventTo(st.row, live.EventClick, st.event, vals); err != nil {
				t.Fatal(err)
			}
		}
		twin.Event(live.EventClick, "noop", nil)
		if st.event == "inc-report" {
			// The view's message arrives in the same burst as the event, or
			// in the next one: either way it ends in the view's render.
			want := fmt.Sprintf("%s=%s", st.row, twin.Text("#row-"+st.row+" .n"))
			v.SyncUntil("the view shows the row's report "+want, func() bool { return v.Text("#report") == want })
			twin.SyncUntil("the twin shows the row's report "+want, func() bool { return twin.Text("#report") == want })
		}
		if got, want := v.HTML(), twin.HTML(); got != want {
			t.Fatalf("step %d (%s %s): the page is\n%s\nwant the whole render's\n%s", i, st.event, st.row, got, want)
		}
	}
	if got := v.Text("#row-b .n"); got != "4" {
		t.Errorf("row b = %s, want 4", got)
	}
}

func TestAComponentLeftOutOfARenderIsForgotten(t *testing.T) {
	t.Parallel()
	srv, ended := newRowsServer(t)
	v := livetest.Mount(t, srv, "/rows?ids=a,b")
	v.Click("#row-b .inc")
	v.Click("#drop")
	if v.Has("#row-b") {
		t.Fatal("row b still rendered")
	}
	if err := ended.get("b"); !errors.Is(err, live.ErrComponentRemoved) {
		t.Errorf("row b ended with %v, want ErrComponentRemoved", err)
	}
	if ended.get("a") != nil {
		t.Errorf("row a ended: %v", ended.get("a"))
	}
	// An event from a page that still showed it is refused; the view lives on.
	err := v.TryEventTo("b", live.EventClick, "inc", url.Values{"by": {"1"}})
	if err == nil || !strings.Contains(err.Error(), "no such component") {
		t.Fatalf("event for a removed component: %v", err)
	}
	v.Event(live.EventClick, "add", url.Values{"id": {"b"}})
	if got := v.Text("#row-b .n"); got != "0" {
		t.Errorf("row b came back with count %s: its old state was kept", got)
	}
	v.Click("#row-a .inc")
	if got := v.Text("#row-a .n"); got != "1" {
		t.Errorf("row a = %s", got)
	}
}

func TestAComponentOfAnotherViewIsOutOfReach(t *testing.T) {
	t.Parallel()
	srv, _ := newRowsServer(t)
	c := livetest.NewClient(t, srv, nil)
	mine := c.Live("/rows?ids=a")
	theirs := c.Live("/rows?ids=secret")
	if err := mine.TryEventTo("secret", live.EventClick, "inc", url.Values{"by": {"1"}}); err == nil {
		t.Fatal("an event reached another view's component")
	}
	theirs.Sync("")
	if got := theirs.Text("#row-secret .n"); got != "0" {
		t.Fatalf("the other view's component counted %s", got)
	}
}

func TestAComponentsErrorCrashesItsViewNamingIt(t *testing.T) {
	t.Parallel()
	srv, _ := newRowsServer(t)
	v := livetest.Mount(t, srv, "/rows?ids=a")
	err := v.TryEventTo("a", live.EventClick, "crash", nil)
	if err == nil {
		t.Fatal("the component's error did not crash the view")
	}
}

// pair renders two components under one id, or one that renders no
// element, as its params say.
type pair struct{ params url.Values }

func (p *pair) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	p.params = params
	return nil
}

func (p *pair) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if p.params.Has("text") {
			return live.Component("t", templText("just text")).Render(ctx, w)
		}
		for range 2 {
			if err := live.Component("twin", &row{ID: "twin"}).Render(ctx, w); err != nil {
				return err
			}
		}
		return nil
	})
}

// templText is a component that renders text, no element.
type templText string

func (t templText) Render() templ.Component { return templ.Raw(string(t)) }

func TestTwoComponentsWithOneIDAreAnError(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/pair", func() live.View { return &pair{} })
	c := livetest.NewClient(t, srv, nil)
	if p := c.Get("/pair"); p.Status != http.StatusInternalServerError {
		t.Errorf("two components with one id: status %d, want 500", p.Status)
	}
	if p := c.Get("/pair?text=1"); p.Status != http.StatusInternalServerError {
		t.Errorf("a component without a root element: status %d, want 500", p.Status)
	}
}

func TestAComponentOutsideAViewRendersAsIs(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	if err := live.Component("x", &row{ID: "x", Label: "plain"}).Render(t.Context(), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), `<li live-component="x" id="row-x">`) {
		t.Errorf("got %s", b.String())
	}
	if err := live.Component("view", &row{}).Render(t.Context(), io.Discard); err == nil {
		t.Error("the reserved id view was accepted")
	}
}

func TestAComponentsFormIsRecoveredIntoIt(t *testing.T) {
	t.Parallel()
	srv, _ := newRowsServer(t)
	v := livetest.Mount(t, srv, "/rows?ids=a,b")
	v.RejoinWith(map[string]any{"form": map[string]string{"note-b": "text=half+typed"}})
	if got, _ := v.Attr("#note-b input", "value"); got != "half typed" {
		t.Errorf("row b's note = %q after the rejoin, want what the user typed", got)
	}
	if got, _ := v.Attr("#note-a input", "value"); got != "" {
		t.Errorf("row a's note = %q", got)
	}
}

// split is a component that renders a second root element after its own
// event, or from the start when its view says so.
type split struct{ second bool }

func (c *split) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<div class="first"><button class="split" live-click="split">split</button></div>`)
		if err == nil && c.second {
			_, err = io.WriteString(w, ` <button class="stray" live-click="stray">stray</button>`)
		}
		return err
	})
}

func (c *split) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	c.second = ev.Name == "split"
	return nil
}

// splitView renders one split component.
type splitView struct{ second bool }

func (v *splitView) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.second = params.Has("second")
	return nil
}

func (v *splitView) Render() templ.Component {
	return live.Component("s", &split{second: v.second})
}

func TestAComponentWithTwoRootElementsIsAnError(t *testing.T) {
	t.Parallel()
	err := live.Component("s", &split{second: true}).Render(t.Context(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "more than one root element") {
		t.Errorf("a component with two root elements rendered outside a view: %v", err)
	}
	for _, markup := range []string{
		`<div><p>a</p><!-- a comment --><br><svg><path d="M0"/></svg><script>let s = "</div>"</script></div> <!-- after -->`,
		`<ul><li>a<li>b</ul>`,
		`<img src="x">`,
		`<div title="a > b">x</DIV>`,
	} {
		if err := live.Component("ok", templText(markup)).Render(t.Context(), io.Discard); err != nil {
			t.Errorf("%s: %v", markup, err)
		}
	}
	for _, markup := range []string{`<div></div><div></div>`, `<img><img>`, `<p>a</p>text`, `<div><script>"</div>"</script></div><b>`} {
		if err := live.Component("two", templText(markup)).Render(t.Context(), io.Discard); err == nil {
			t.Errorf("%s was accepted", markup)
		}
	}

	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/split", func() live.View { return &splitView{} })
	c := livetest.NewClient(t, srv, nil)
	if p := c.Get("/split?second=1"); p.Status != http.StatusInternalServerError {
		t.Errorf("a component with two root elements: status %d, want 500", p.Status)
	}
	// Rendered alone after its own event, it crashes its view too, rather
	// than sending the second element's events to the view.
	v := c.Live("/split")
	if err := v.TryEventTo("s", live.EventClick, "split", nil); err == nil {
		t.Error("a component that grew a second root element did not crash its view")
	}
}
