package diff

import (
	"fmt"
	"strings"
)

// contentPage builds a realistic ~40 KB content page, the kind templ renders:
// navigation, an article of sections with inline markup, a list, a form and a
// footer. version changes one paragraph's text so two calls differ a little.
func contentPage(version int) []byte {
	var b strings.Builder
	b.WriteString(`<header class="site-header"><nav class="nav"><ul class="nav-list">`)
	for i := range 12 {
		fmt.Fprintf(&b, `<li class="nav-item"><a class="nav-link" href="/section/%d" live-patch>Section %d</a></li>`, i, i)
	}
	b.WriteString(`</ul></nav></header><main class="content"><article class="post">`)
	b.WriteString(`<h1 class="post-title">A long article about live views</h1>`)
	p := 0
	for s := range 36 {
		fmt.Fprintf(&b, `<section class="post-section" id="s%d"><h2>Section %d: rendering on the server</h2>`, s, s)
		for range 4 {
			fmt.Fprintf(&b, `<p class="para">Paragraph %d of the article, with <strong>strong words</strong>, a <a href="/ref/%d">reference</a> and some <code>code()</code>; the server renders it, diffs it and sends only what changed &amp; nothing else.</p>`, p, p)
			p++
		}
		if s%5 == 0 {
			b.WriteString(`<ul class="points">`)
			for i := range 5 {
				fmt.Fprintf(&b, `<li>Point %d about patches</li>`, i)
			}
			b.WriteString(`</ul>`)
		}
		b.WriteString(`</section>`)
	}
	fmt.Fprintf(&b, `<p class="status">Version %d</p>`, version)
	b.WriteString(`</article><form id="comment" live-submit="save" live-change="validate"><label for="name">Name</label><input id="name" name="name" type="text" value=""><textarea name="body" rows="4"></textarea><select name="rating"><option value="1">1</option><option value="5" selected>5</option></select><button type="submit">Send</button></form></main>`)
	b.WriteString(`<footer class="site-footer"><p>© templive</p></footer>`)
	return []byte(b.String())
}

// keyedTable renders a keyed table with one row per id, in the given order.
func keyedTable(ids []int) []byte {
	var b strings.Builder
	b.WriteString(`<table class="items"><thead><tr><th>#</th><th>Name</th><th>Price</th><th></th></tr></thead><tbody>`)
	for _, id := range ids {
		b.WriteString(tableRow(id))
	}
	b.WriteString(`</tbody></table>`)
	return []byte(b.String())
}

func tableRow(id int) string {
	return fmt.Sprintf(`<tr id="row-%d"><td>%d</td><td><a href="/items/%d">Item %d</a></td><td class="num">%d.99</td><td><button live-click="delete" live-value-id="%d">Delete</button></td></tr>`,
		id, id, id, id, id%100, id)
}
