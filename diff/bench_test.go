package diff

import (
	"bytes"
	"context"
	"io"
	"runtime"
	"slices"
	"strconv"
	"testing"

	"github.com/a-h/templ"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/templive/templive/render"
)

// Benchmarks for docs/PERFORMANCE.md. Each reports, beside time and
// allocations, the patch size and the size of the whole HTML (what a
// protocol without a diff would send), and µs per KB where the budget is
// stated that way.

func benchParseDiff(b *testing.B, oldHTML, newHTML []byte) {
	old, err := render.ParseFragment(oldHTML)
	if err != nil {
		b.Fatal(err)
	}
	var wire []byte
	b.ReportAllocs()
	b.SetBytes(int64(len(newHTML)))
	for b.Loop() {
		new, err := render.ParseFragment(newHTML)
		if err != nil {
			b.Fatal(err)
		}
		wire = Diff(old, new).AppendJSON(wire[:0])
	}
	b.ReportMetric(float64(len(wire)), "patch-bytes")
	b.ReportMetric(float64(len(newHTML)), "html-bytes")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/(float64(len(newHTML))/1024), "µs/KB")
}

func rows(n int) []int {
	ids := make([]int, n)
	for i := range ids {
		ids[i] = i + 1
	}
	return ids
}

// BenchmarkParseDiff is parse of the new render plus diff plus encoding, the
// work after every render.
func BenchmarkParseDiff(b *testing.B) {
	page := contentPage(0)
	oneText := bytes.Replace(page, []byte("Paragraph 57 "), []byte("Paragraph 57!"), 1)
	table := keyedTable(rows(200))
	prepended := keyedTable(append([]int{0}, rows(200)...))
	reversed := rows(200)
	slices.Reverse(reversed)
	b.Run("content-40KB/one-text", func(b *testing.B) { benchParseDiff(b, page, oneText) })
	b.Run("content-40KB/unchanged", func(b *testing.B) { benchParseDiff(b, page, page) })
	b.Run("table-200/insert-top", func(b *testing.B) { benchParseDiff(b, table, prepended) })
	b.Run("table-200/reverse", func(b *testing.B) { benchParseDiff(b, table, keyedTable(reversed)) })
}

// BenchmarkParse compares the parse alone with x/net/html's parser and
// tokenizer on the same page.
func BenchmarkParse(b *testing.B) {
	page := contentPage(0)
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	perKB := func(b *testing.B) {
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/(float64(len(page))/1024), "µs/KB")
	}
	b.Run("render.ParseFragment", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := render.ParseFragment(page); err != nil {
				b.Fatal(err)
			}
		}
		perKB(b)
	})
	b.Run("x-net-html.ParseFragment", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := html.ParseFragment(bytes.NewReader(page), ctx); err != nil {
				b.Fatal(err)
			}
		}
		perKB(b)
	})
	b.Run("x-net-html.Tokenizer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			z := html.NewTokenizer(bytes.NewReader(page))
			for z.Next() != html.ErrorToken {
			}
		}
		perKB(b)
	})
}

// counterView is a ~2 KB view written the way templ's generated code
// writes: literal strings and escaped values, straight to the writer.
func counterView(count int) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		ws := func(s string) { _, _ = io.WriteString(w, s) }
		ws(`<div class="counter"><h1 class="title">Counter</h1><p class="value">Count: `)
		ws(templ.EscapeString(strconv.Itoa(count)))
		ws(`</p><div class="buttons"><button live-click="dec" class="btn btn-minus">-</button><button live-click="inc" class="btn btn-plus">+</button></div><ul class="history">`)
		for i := range 16 {
			ws(`<li id="h`)
			ws(strconv.Itoa(i))
			ws(`" class="entry"><span class="when">step `)
			ws(strconv.Itoa(i))
			ws(`</span> <span class="what">value `)
			ws(templ.EscapeString(strconv.Itoa(count - i)))
			ws(`</span></li>`)
		}
		_, err := io.WriteString(w, `</ul><p class="hint">Click the buttons; the server renders, diffs and patches.</p></div>`)
		return err
	})
}

// BenchmarkRenderDiffEncode is a whole update of a 2 KB view: render the
// component, parse, diff against the last tree, encode the patch.
func BenchmarkRenderDiffEncode(b *testing.B) {
	ctx := context.Background()
	first, err := render.Component(ctx, counterView(0))
	if err != nil {
		b.Fatal(err)
	}
	last, _ := render.ParseFragment(first)
	var buf, wire []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if buf, err = render.AppendComponent(ctx, buf[:0], counterView(i%2)); err != nil {
			b.Fatal(err)
		}
		new, err := render.ParseFragment(buf)
		if err != nil {
			b.Fatal(err)
		}
		wire = Diff(last, new).AppendJSON(wire[:0])
		last = new
	}
	b.ReportMetric(float64(len(wire)), "patch-bytes")
	b.ReportMetric(float64(len(buf)), "html-bytes")
}

// BenchmarkRetainedTree measures the heap a view keeps for its last tree.
func BenchmarkRetainedTree(b *testing.B) {
	for _, tc := range []struct {
		name    string
		html    []byte
		compact bool
	}{
		{"content-40KB", contentPage(0), false},
		{"content-40KB/compact", contentPage(0), true},
		{"table-200", keyedTable(rows(200)), false},
		{"counter-2KB", mustRender(b, counterView(7)), false},
		{"counter-2KB/compact", mustRender(b, counterView(7)), true},
	} {
		b.Run(tc.name, func(b *testing.B) {
			const n = 200
			trees := make([]*render.Node, n)
			var before, after runtime.MemStats
			for b.Loop() {
				clear(trees)
				runtime.GC()
				runtime.ReadMemStats(&before)
				for i := range trees {
					trees[i], _ = render.ParseFragment(tc.html)
					if tc.compact {
						trees[i] = render.Compact(trees[i])
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
			}
			runtime.KeepAlive(trees)
			b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/tree")
			b.ReportMetric(float64(len(tc.html)), "html-bytes")
		})
	}
}

func mustRender(b *testing.B, c templ.Component) []byte {
	html, err := render.Component(context.Background(), c)
	if err != nil {
		b.Fatal(err)
	}
	return html
}

// BenchmarkDiff is the diff alone, on trees parsed beforehand.
func BenchmarkDiff(b *testing.B) {
	page := contentPage(0)
	oneText := bytes.Replace(page, []byte("Paragraph 57 "), []byte("Paragraph 57!"), 1)
	for _, tc := range []struct {
		name     string
		old, new []byte
	}{
		{"content-40KB/one-text", page, oneText},
		{"table-200/insert-top", keyedTable(rows(200)), keyedTable(append([]int{0}, rows(200)...))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			old, _ := render.ParseFragment(tc.old)
			new, _ := render.ParseFragment(tc.new)
			b.ReportAllocs()
			for b.Loop() {
				Diff(old, new)
			}
		})
	}
}

// BenchmarkAppendJSON is the encoding alone: a patch that inserts and
// replaces markup (quotes to escape) and sets text, as most patches do.
func BenchmarkAppendJSON(b *testing.B) {
	old, _ := render.ParseFragment(keyedTable(rows(200)))
	new, _ := render.ParseFragment(keyedTable(append([]int{0, -1, -2}, rows(200)[10:]...)))
	p := Diff(old, new)
	wire := p.AppendJSON(nil)
	b.SetBytes(int64(len(wire)))
	b.ReportAllocs()
	for b.Loop() {
		wire = p.AppendJSON(wire[:0])
	}
}

// BenchmarkApply is the check the runtime makes after a diff: apply the
// patch to a copy of the old tree. Reversing a keyed table is a move per
// row.
func BenchmarkApply(b *testing.B) {
	reversed := rows(200)
	slices.Reverse(reversed)
	old, _ := render.ParseFragment(keyedTable(rows(200)))
	new, _ := render.ParseFragment(keyedTable(reversed))
	p := Diff(old, new)
	b.ReportAllocs()
	for b.Loop() {
		t := old.Clone()
		if err := Apply(t, p); err != nil {
			b.Fatal(err)
		}
	}
}
