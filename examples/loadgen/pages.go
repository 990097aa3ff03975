package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"sync/atomic"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/benchpage"
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
)

// The pages -page selects: the counter, and the big pages of the
// performance figures (package benchpage), whose cost per event grows with
// the page unless the server's cost follows the change.
const (
	pageCounter = "counter"
	pageTable   = "table"   // 200 keyed rows, 57 KB
	pageRows    = "rows"    // the same table, each row a live.Component whose own event bumps it
	pageArticle = "article" // 40 KB of text with ten live values
)

// workload is what the clients load and click: the page's path (with
// ?own=1, every view renders HTML of its own) and the event each click
// sends.
type workload struct {
	Page  string // pageCounter, pageTable, pageRows or pageArticle
	Event string // table: "bump" (a row's number changes) or "top" (a row moves to the top); rows: "bump"
	Own   bool   // every view renders its own HTML: no patch is shared between views
}

// path is the page's URL path and query.
func (w workload) path() string {
	p := "/" + pageCounter
	if w.Page != "" {
		p = "/" + w.Page
	}
	if w.Own {
		p += "?own=1"
	}
	return p
}

// event returns the payload of click number seq.
func (w workload) event(seq int) []byte {
	switch w.Page {
	case pageTable:
		// Rows spread over the table: a move shifts half the rows on
		// average. A move names a position below the top, so that it
		// always changes the table.
		row := strconv.Itoa(1 + seq*37%(benchpage.TableRows-1))
		return wire.Event{Type: wire.TypeClick, Name: w.Event, Values: url.Values{"row": {row}}}.AppendJSON(nil)
	case pageRows:
		// The event goes to the row's component, which renders alone.
		row := 1 + seq*37%(benchpage.TableRows-1)
		return wire.Event{Type: wire.TypeClick, Name: "bump", Component: rowIDs[row]}.AppendJSON(nil)
	case pageArticle:
		return wire.Event{Type: wire.TypeClick, Name: "tick", Values: url.Values{"i": {strconv.Itoa(seq)}}}.AppendJSON(nil)
	}
	return counterEvent
}

// counterEvent is the payload of a click on the counter's "inc" button.
var counterEvent = wire.Event{Type: wire.TypeClick, Name: "inc"}.AppendJSON(nil)

func (w workload) check() error {
	switch w.Page {
	case "", pageCounter, pageArticle:
	case pageTable:
		if w.Event != "bump" && w.Event != "top" {
			return fmt.Errorf("-event %q: want bump or top", w.Event)
		}
	case pageRows:
		if w.Event != "" && w.Event != "bump" {
			return fmt.Errorf("-event %q: the rows page only bumps", w.Event)
		}
	default:
		return fmt.Errorf("-page %q: want counter, table, rows or article", w.Page)
	}
	return nil
}

// views numbers the views mounted with ?own=1.
var views atomic.Int64

// ownNumber returns a number of the view's own if params ask for one, for
// its render to differ from every other view's.
func ownNumber(s *live.Socket, params url.Values) int64 {
	if params.Get("own") == "" || !s.Connected() {
		return 0
	}
	return views.Add(1)
}

// table is the 200-row table: a click bumps a row's quantity or moves it
// to the top; a broadcast bumps one row in every view.
type table struct {
	t   *benchpage.Table
	own int64
}

func (v *table) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.t, v.own = benchpage.NewTable(), ownNumber(s, params)
	if s.Connected() {
		return s.Subscribe(benchTopic)
	}
	return nil
}

func (v *table) Render() templ.Component {
	return ownTitle(v.own, v.t.Component())
}

// HandleEvent bumps the row at the position the click names, or moves it
// to the top.
func (v *table) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	row, err := strconv.Atoi(ev.Values.Get("row"))
	if err != nil || row < 0 || row >= benchpage.TableRows {
		return nil
	}
	switch ev.Name {
	case "bump":
		v.t.Bump(v.t.IDs[row])
	case "top":
		v.t.Top(v.t.IDs[row])
	}
	return nil
}

func (v *table) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if b, ok := msg.(bump); ok {
		v.t.Bump(int(b) % benchpage.TableRows)
	}
	return nil
}

// rows is the table with each row a component: a click goes to the row's
// component, which bumps its number and renders alone; a broadcast bumps
// one row through the view, which renders whole.
type rows struct {
	t   *benchpage.Table
	own int64
}

// rowIDs are the rows' component ids, by row id.
var rowIDs = func() []string {
	ids := make([]string, benchpage.TableRows)
	for i := range ids {
		ids[i] = "row-" + strconv.Itoa(i)
	}
	return ids
}()

func (v *rows) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.t, v.own = benchpage.NewTable(), ownNumber(s, params)
	if s.Connected() {
		return s.Subscribe(benchTopic)
	}
	return nil
}

func (v *rows) Render() templ.Component {
	return ownTitle(v.own, v.t.WithRows(func(id int) templ.Component {
		return live.Component(rowIDs[id], &row{t: v.t, id: id})
	}))
}

func (v *rows) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if b, ok := msg.(bump); ok {
		v.t.Bump(int(b) % benchpage.TableRows)
	}
	return nil
}

// row is a row of the rows page. Its state is its row of the view's table,
// which it alone changes.
type row struct {
	t  *benchpage.Table
	id int
}

func (r *row) Render() templ.Component { return r.t.Row(r.id) }

func (r *row) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "bump" {
		r.t.Bump(r.id)
	}
	return nil
}

// article is the 40 KB article: a click or a broadcast changes one of its
// ten values.
type article struct {
	a   benchpage.Article
	own int64
}

func (v *article) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.own = ownNumber(s, params)
	if s.Connected() {
		return s.Subscribe(benchTopic)
	}
	return nil
}

func (v *article) Render() templ.Component {
	return ownTitle(v.own, v.a.Component())
}

func (v *article) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if i, err := strconv.Atoi(ev.Values.Get("i")); err == nil && i >= 0 {
		v.a.Tick(i)
	}
	return nil
}

func (v *article) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if b, ok := msg.(bump); ok {
		v.a.Tick(int(b))
	}
	return nil
}

// ownTitle renders c after a line naming the view, when it has a number of
// its own.
func ownTitle(own int64, c templ.Component) templ.Component {
	if own == 0 {
		return c
	}
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if _, err := fmt.Fprintf(w, `<p class="view">View %d</p>`, own); err != nil {
			return err
		}
		return c.Render(ctx, w)
	})
}
