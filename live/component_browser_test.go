package live_test

import (
	"net/http/httptest"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

func TestComponentsInChromium(t *testing.T) {
	srv, ended := newRowsServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/rows?ids=a,b")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)

	// Two components with the same markup, each with its own state.
	tab.Click("#row-a .inc")
	tab.WaitText("#row-a .n", "1")
	tab.Click("#row-b .inc")
	tab.Click("#row-b .inc")
	tab.WaitText("#row-b .n", "2")
	if got := tab.Text("#row-a .n"); got != "1" {
		t.Fatalf("row a = %s after clicks in row b", got)
	}
	// live-target="view": the view gets the event, not the component.
	tab.Click("#row-a .save")
	tab.WaitText("#saved", "a")
	// The view renders again; the components keep their state.
	tab.Click("#relabel")
	tab.WaitText("#row-b .label", "item b")
	if a, b := tab.Text("#row-a .n"), tab.Text("#row-b .n"); a != "1" || b != "2" {
		t.Fatalf("after the view's render a=%s b=%s, want 1 and 2", a, b)
	}
	// A component tells its view.
	tab.Click("#row-b .report")
	tab.WaitText("#report", "b=2")
	// Removed, then rendered again: a new component.
	tab.Click("#drop")
	tab.Wait(`document.querySelector("#row-b") == null`)
	if ended.get("b") == nil {
		t.Fatal("row b was not told it ended")
	}
}
