package live_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// linkPage links to the pages a, b and c with live-navigate.
type linkPage struct{ Name string }

func (v *linkPage) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	v.Name = strings.TrimPrefix(s.URL().Path, "/")
	return nil
}

func (v *linkPage) Render() templ.Component {
	return templ.Raw(fmt.Sprintf(`<h1 id="page">%s</h1><a id="to-a" href="/a" live-navigate>a</a> <a id="to-b" href="/b" live-navigate>b</a> <a id="to-c" href="/c" live-navigate>c</a>`, v.Name))
}

func TestStickyViewKeepsItsStateAcrossLiveNavigationInChromium(t *testing.T) {
	ended := make(chan error, 4)
	srv, _ := newServer(t, live.Options{Layout: stickyLayout(ended), MountOnce: true}, nil)
	for _, p := range []string{"/a", "/b", "/c"} {
		srv.Page(p, func() live.View { return &linkPage{} }, live.Group("app"))
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/a")
	tab.Wait(`document.querySelector("#count")?.closest("[data-live-root]").classList.contains("live-connected")`)
	tab.Click("#inc")
	tab.WaitText("#count", "101")
	// Mark the sticky element: the same element must stay, not a copy.
	tab.Eval(`document.querySelector("#count").closest("[data-live-root]").dataset.mark = "kept"`, nil)
	for i, link := range []string{"#to-b", "#to-c", "#home"} {
		// The last link is the sticky view's own: its navigation is the page's.
		tab.Click(link)
		tab.WaitText("#page", map[string]string{"#to-b": "b", "#to-c": "c", "#home": "a"}[link])
		tab.Click("#inc")
		tab.WaitText("#count", fmt.Sprint(102+i))
	}
	var mark string
	tab.Eval(`document.querySelector("#count").closest("[data-live-root]").dataset.mark`, &mark)
	if mark != "kept" {
		t.Fatalf("the sticky view's element was replaced (mark %q)", mark)
	}
	select {
	case err := <-ended:
		t.Fatalf("the sticky view ended: %v", err)
	default:
	}
}

func TestNestedViewInChromium(t *testing.T) {
	srv, _ := newShelfServer(t, live.Options{})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/shelf")
	tab.Wait(`document.querySelector("#count")?.closest("[data-live-root]").classList.contains("live-connected")`)
	tab.Click("#inc")
	tab.WaitText("#count", "6")
	tab.Click("#add")
	tab.WaitText("#n", "1")
	if got := tab.Text("#count"); got != "6" {
		t.Fatalf("the nested view counts %s after its parent's render, want 6", got)
	}
	// Removed and rendered again: a new nested view, joined anew.
	tab.Click("#hide")
	tab.Wait(`document.querySelector("#count") == null`)
	tab.Click("#hide")
	tab.WaitText("#count", "5")
	tab.Wait(`document.querySelector("#count").closest("[data-live-root]").classList.contains("live-connected")`)
	tab.Click("#inc")
	tab.WaitText("#count", "6")
}

// jumper is a nested view whose connected Mount sends the browser to /a.
type jumper struct{}

func (v *jumper) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	if s.Connected() {
		s.PushNavigate("/a")
	}
	return nil
}

func (v *jumper) Render() templ.Component { return templ.Raw(`<p id="jumper">jumper</p>`) }

// jumpPage nests a jumper once its button is clicked.
type jumpPage struct{ Shown bool }

func (v *jumpPage) Mount(ctx context.Context, s *live.Socket, _ url.Values) error { return nil }

func (v *jumpPage) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.Shown = true
	return nil
}

func (v *jumpPage) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, `<h1 id="page">jump</h1><button id="show" live-click="show">show</button>`)
		if v.Shown {
			return live.Nested("jumper", &jumper{}).Render(ctx, w)
		}
		return nil
	})
}

// A nested view's Mount that navigates navigates its page live, as its
// own PushNavigate after the join does: not the nested view in place of
// the page, which loops until the browser loads the page in full.
func TestNestedViewMountNavigatesItsPageInChromium(t *testing.T) {
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/jump", func() live.View { return &jumpPage{} }, live.Group("app"))
	srv.Page("/a", func() live.View { return &linkPage{} }, live.Group("app"))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/jump")
	tab.WaitClass("[data-live-root]", "live-connected")
	tab.Eval(`window.stayed = "yes"`, nil)
	tab.Click("#show")
	tab.WaitText("#page", "a")
	var stayed string
	tab.Eval(`String(window.stayed)`, &stayed)
	if stayed != "yes" {
		t.Fatalf("the page was loaded in full (window.stayed %q), not navigated live", stayed)
	}
	var path string
	tab.Eval(`location.pathname`, &path)
	if path != "/a" {
		t.Fatalf("location %s, want /a", path)
	}
}
