package live_test

import (
	"context"
	"fmt"
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
