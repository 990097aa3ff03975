// Package benchpage holds the big pages the performance figures are
// measured on, written the way templ's generated code writes: literal
// strings and escaped values, straight to the writer. The live package's
// benchmarks and the load harness (examples/loadgen) render the same
// bytes, so their figures compare.
package benchpage

import (
	"context"
	"io"
	"strconv"

	"github.com/a-h/templ"
)

// TableRows is the number of rows of the table page.
const TableRows = 200

// Table is the state of the table page: a keyed table of items, in order.
type Table struct {
	IDs []int // row order
	Qty []int // quantity by id
}

// NewTable returns the table with rows 0…TableRows-1 in order.
func NewTable() *Table {
	t := &Table{IDs: make([]int, TableRows), Qty: make([]int, TableRows)}
	for i := range t.IDs {
		t.IDs[i] = i
		t.Qty[i] = i % 17
	}
	return t
}

// Bump changes the quantity of the row with the given id.
func (t *Table) Bump(id int) { t.Qty[id]++ }

// Top moves the row with the given id to the top of the table.
func (t *Table) Top(id int) {
	for i, x := range t.IDs {
		if x == id {
			copy(t.IDs[1:i+1], t.IDs[:i])
			t.IDs[0] = id
			return
		}
	}
}

// Component renders the table page, about 57 KB.
func (t *Table) Component() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		t.head(w)
		for _, id := range t.IDs {
			t.row(w, id)
		}
		return t.foot(w)
	})
}

// WithRows renders the table page with row rendering each row, by id: the
// rows as components of a live view, say, with [Table.Row]'s markup.
func (t *Table) WithRows(row func(id int) templ.Component) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		t.head(w)
		for _, id := range t.IDs {
			if err := row(id).Render(ctx, w); err != nil {
				return err
			}
		}
		return t.foot(w)
	})
}

// Row renders the row of the table page with the given id.
func (t *Table) Row(id int) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		return t.row(w, id)
	})
}

func (t *Table) head(w io.Writer) {
	_, _ = io.WriteString(w, `<section class="inventory"><h1 class="title">Inventory</h1><p class="lead">Every row can be bumped or moved to the top; the server renders the whole table and sends a patch.</p>`)
	_, _ = io.WriteString(w, `<table class="items"><thead><tr><th scope="col">#</th><th scope="col">Name</th><th scope="col">Category</th><th scope="col">Quantity</th><th scope="col">Price</th><th scope="col">Actions</th></tr></thead><tbody>`)
}

func (t *Table) foot(w io.Writer) error {
	_, err := io.WriteString(w, `</tbody></table><footer class="table-footer"><p>200 items</p></footer></section>`)
	return err
}

func (t *Table) row(w io.Writer, id int) error {
	ws := func(s string) { _, _ = io.WriteString(w, s) }
	s := strconv.Itoa(id)
	ws(`<tr id="row-`)
	ws(s)
	ws(`"><td>`)
	ws(s)
	ws(`</td><td class="name"><a href="/items/`)
	ws(s)
	ws(`">Item number `)
	ws(s)
	ws(`</a></td><td>`)
	ws(templ.EscapeString(categories[id%len(categories)]))
	ws(`</td><td class="num">`)
	ws(strconv.Itoa(t.Qty[id]))
	ws(`</td><td class="num">`)
	ws(strconv.Itoa(10 + id%90))
	ws(`.99</td><td><button live-click="bump" live-value-id="`)
	ws(s)
	ws(`">Bump</button> <button live-click="top" live-value-id="`)
	ws(s)
	_, err := io.WriteString(w, `">To top</button></td></tr>`)
	return err
}

var categories = []string{"Tools & hardware", "Garden", "Kitchen", "Books", "Toys"}

// ArticleValues is the number of values the article page shows.
const ArticleValues = 10

// Article is the state of the article page: a long text with a few live
// values spread through it.
type Article struct {
	Values [ArticleValues]int
}

// Tick changes value i.
func (a *Article) Tick(i int) { a.Values[i%ArticleValues]++ }

// Component renders the article page, about 40 KB.
func (a *Article) Component() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		ws := func(s string) { _, _ = io.WriteString(w, s) }
		ws(`<header class="site-header"><nav class="nav"><ul class="nav-list">`)
		for i := range 12 {
			s := strconv.Itoa(i)
			ws(`<li class="nav-item"><a class="nav-link" href="/section/`)
			ws(s)
			ws(`" live-patch>Section `)
			ws(s)
			ws(`</a></li>`)
		}
		ws(`</ul></nav></header><main class="content"><article class="post"><h1 class="post-title">A long article about live views</h1>`)
		p := 0
		for s := range 38 {
			ss := strconv.Itoa(s)
			ws(`<section class="post-section" id="s`)
			ws(ss)
			ws(`"><h2>Section `)
			ws(ss)
			ws(`: rendering on the server</h2>`)
			for range 4 {
				ps := strconv.Itoa(p)
				ws(`<p class="para">Paragraph `)
				ws(ps)
				ws(` of the article, with <strong>strong words</strong>, a <a href="/ref/`)
				ws(ps)
				ws(`">reference</a> and some <code>code()</code>; the server renders it, diffs it and sends only what changed &amp; nothing else.</p>`)
				p++
			}
			if s%4 == 1 && s/4 < ArticleValues {
				ws(`<p class="metric">Live value `)
				ws(strconv.Itoa(s / 4))
				ws(`: <strong class="value">`)
				ws(strconv.Itoa(a.Values[s/4]))
				ws(`</strong> readers</p>`)
			}
			ws(`</section>`)
		}
		ws(`</article></main><footer class="site-footer"><p>© templive</p></footer>`)
		return nil
	})
}
