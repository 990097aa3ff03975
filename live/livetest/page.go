package livetest

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/templive/templive/render"
)

// A Page is the result of a GET: the static, disconnected render.
type Page struct {
	t        testing.TB
	Status   int
	Location string // the redirect target, for a 3xx
	Body     string // the whole document
	url      string // the page's absolute URL, which a join sends
	id       string
	session  string
	csrf     string
	root     *render.Node      // the view's root contents; nil if not a live page
	nested   map[string]string // the sessions of the views the layout nests, by id
}

// findRoot extracts the live root, its session token and the CSRF token.
// A root whose contents do not parse fails the test: the browser would
// build another DOM than the one the view's patches are diffed against.
func (p *Page) findRoot() {
	p.t.Helper()
	doc, err := html.Parse(strings.NewReader(p.Body))
	if err != nil {
		p.t.Fatalf("livetest: the page does not parse: %v", err)
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if n.Data == "meta" && a["name"] == "csrf-token" {
				p.csrf = a["content"]
			}
			if _, ok := a["data-live-root"]; ok && a["data-live-parent"] != "" {
				// A view nested in the layout, joined after the page's.
				if p.nested == nil {
					p.nested = map[string]string{}
				}
				p.nested[a["id"]] = a["data-live-session"]
				return
			}
			if _, ok := a["data-live-root"]; ok && p.id == "" {
				p.id, p.session = a["id"], a["data-live-session"]
				var b strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					html.Render(&b, c)
				}
				if p.root, err = render.ParseFragment([]byte(b.String())); err != nil {
					p.t.Fatalf("livetest: the live root of the page does not parse: %v", err)
				}
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// Live reports whether the page holds a live view.
func (p *Page) Live() bool { return p.root != nil }

// HTML returns the view's static render (the root's contents).
func (p *Page) HTML() string {
	if p.root == nil {
		return ""
	}
	return string(p.root.AppendHTML(nil))
}

// Has reports whether an element matches sel in the static render.
func (p *Page) Has(sel string) bool { p.t.Helper(); return len(query(p.t, p.root, sel)) > 0 }

// Text returns the text of the first element matching sel in the static
// render; the test fails if there is none.
func (p *Page) Text(sel string) string { p.t.Helper(); return text(one(p.t, p.root, sel)) }
