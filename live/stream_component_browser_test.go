package live_test

import (
	"net/http/httptest"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

func TestLikingOneStreamedPostUpdatesOnlyItInChromium(t *testing.T) {
	srv, _ := newCardServer(t)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(ts.URL + "/cards?n=3")
	tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)

	// Mark the items the like must leave alone: a replaced element loses
	// its mark.
	tab.Eval(`for (let id of ["card-1", "card-3"]) document.getElementById(id).kept = true; true`, nil)
	tab.Click("#card-2 .like")
	tab.WaitText("#card-2 .likes", "1")
	tab.Click("#card-2 .like")
	tab.WaitText("#card-2 .likes", "2")
	var kept bool
	tab.Eval(`document.getElementById("card-1").kept === true && document.getElementById("card-3").kept === true`, &kept)
	if !kept {
		t.Fatal("a like in card 2 replaced the other cards")
	}
	if a, c := tab.Text("#card-1 .likes"), tab.Text("#card-3 .likes"); a != "0" || c != "0" {
		t.Fatalf("other cards' likes: %s and %s", a, c)
	}
	var order string
	tab.Eval(`[...document.querySelectorAll("#cards > li")].map(li => li.id).join(",")`, &order)
	if order != "card-1,card-2,card-3" {
		t.Fatalf("cards in order %s after the likes", order)
	}
	// The view's own render leaves the list alone; the card keeps its likes.
	tab.Click("#tick")
	tab.WaitText("#ticks", "1")
	tab.Click("#card-2 .like")
	tab.WaitText("#card-2 .likes", "3")
}
