package live

import (
	"context"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/benchpage"
	"github.com/templive/templive/render"
)

// benchView renders a page of package benchpage.
type benchView struct{ c func() templ.Component }

func (v benchView) Mount(context.Context, *Socket, url.Values) error { return nil }
func (v benchView) Render() templ.Component                          { return v.c() }

// benchRerender measures what one event costs a connected view between
// its callback and the write: render, parse, diff, check and encode
// (vc.rerender), with change run before each.
func benchRerender(b *testing.B, view View, change func(i int)) {
	benchRerenderIn(b, view, func(i int, vc *viewChannel) {
		change(i)
		vc.dirty = true // as a callback of the view does
	})
}

// benchRerenderIn is benchRerender with change given the view's channel,
// to tell it which components' callbacks ran.
func benchRerenderIn(b *testing.B, view View, change func(i int, vc *viewChannel)) {
	srv := &Server{patches: newPatchCache(), logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	vc := &viewChannel{srv: srv, view: view, s: &Socket{srv: srv}}
	ctx := context.Background()
	html, err := vc.render(ctx)
	if err != nil {
		b.Fatal(err)
	}
	_, doc, err := render.ParseDoc(html)
	if err != nil {
		b.Fatal(err)
	}
	vc.last.keep(html, nil, false, doc)
	var bytes int
	b.ReportAllocs()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		i++
		change(i, vc)
		patch, _, err := vc.rerender(ctx)
		if err != nil {
			b.Fatal(err)
		}
		vc.dirty, vc.parts = false, vc.parts[:0] // as flush does
		if patch == nil {
			b.Fatal("no patch")
		}
		bytes += len(patch)
	}
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(bytes)/float64(b.N), "patch-bytes")
	b.ReportMetric(float64(len(vc.last.html)), "html-bytes")
}

// BenchmarkRerender is the server's work for one event on the big pages
// of the performance figures: a 200-row keyed table (57 KB) where one row's
// number changes or one row moves to the top, the same table with each row
// a component whose own event changes its number, and a 40 KB article
// where one of ten values changes.
func BenchmarkRerender(b *testing.B) {
	b.Run("table-57KB/bump", func(b *testing.B) {
		t := benchpage.NewTable()
		benchRerender(b, benchView{t.Component}, func(i int) { t.Bump(i * 37 % benchpage.TableRows) })
	})
	for _, alone := range []bool{true, false} {
		// The same change, but each row is a component and the change is
		// its own: only the row renders; or, as a callback of the view
		// would make it, the whole view.
		name := "table-57KB/bump-row-component"
		if !alone {
			name += "/whole-view"
		}
		b.Run(name, func(b *testing.B) {
			t := benchpage.NewTable()
			ids := make([]string, benchpage.TableRows)
			for i := range ids {
				ids[i] = "row-" + strconv.Itoa(i)
			}
			page := func() templ.Component {
				return t.WithRows(func(id int) templ.Component { return Component(ids[id], &tableRow{t, id}) })
			}
			benchRerenderIn(b, benchView{page}, func(i int, vc *viewChannel) {
				id := i * 37 % benchpage.TableRows
				t.Bump(id)
				vc.componentRan(ids[id])
				vc.dirty = !alone
			})
		})
	}
	b.Run("table-57KB/move-to-top", func(b *testing.B) {
		// A row from anywhere in the table: on average, half of the rows
		// shift down by one.
		t := benchpage.NewTable()
		benchRerender(b, benchView{t.Component}, func(i int) { t.Top(t.IDs[1+i*37%(benchpage.TableRows-1)]) })
	})
	b.Run("table-57KB/move-last-to-top", func(b *testing.B) {
		t := benchpage.NewTable()
		benchRerender(b, benchView{t.Component}, func(i int) { t.Top(t.IDs[benchpage.TableRows-1]) })
	})
	b.Run("article-40KB/tick", func(b *testing.B) {
		a := &benchpage.Article{}
		benchRerender(b, benchView{a.Component}, func(i int) { a.Tick(i * 7) })
	})
}

// tableRow is a row of the table page as a component, whose state is its
// row of the table.
type tableRow struct {
	t  *benchpage.Table
	id int
}

func (r *tableRow) Render() templ.Component { return r.t.Row(r.id) }

// cpuTime returns the CPU time the process has used, garbage collection
// included: on a busy machine, a steadier measure of the work than the
// wall time ns/op is.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
