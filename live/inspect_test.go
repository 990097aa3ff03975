package live_test

import (
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

func TestNewestViewsAreTheLastJoinedNewestFirst(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	var ids []string
	for range 7 {
		ids = append(ids, c.Live("/counter").ID())
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Views()) != 7 {
		if time.Now().After(deadline) {
			t.Fatalf("%d views connected, want 7", len(srv.Views()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	all := srv.Views()
	for i, v := range all {
		if v.ID != ids[i] {
			t.Fatalf("Views()[%d] = %s, want %s: the order they joined", i, v.ID, ids[i])
		}
	}
	newest, total := srv.NewestViews(3)
	if total != 7 || len(newest) != 3 {
		t.Fatalf("NewestViews(3): %d views of %d, want 3 of 7", len(newest), total)
	}
	for i, v := range newest {
		if want := ids[6-i]; v.ID != want || v.Route != "/counter" {
			t.Fatalf("NewestViews(3)[%d] = %s (%s), want %s", i, v.ID, v.Route, want)
		}
	}
	if newest, total := srv.NewestViews(100); total != 7 || len(newest) != 7 || newest[0].ID != ids[6] || newest[6].ID != ids[0] {
		t.Fatalf("NewestViews(100): %d of %d", len(newest), total)
	}
	if newest, total := srv.NewestViews(0); total != 7 || newest != nil {
		t.Fatalf("NewestViews(0): %v of %d", newest, total)
	}
}

// NewestViews with n far above the views held ("all of them") returns them
// all, without reserving room for n.
func TestNewestViewsWithAHugeNReturnsEveryView(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	c.Live("/counter")
	deadline := time.Now().Add(10 * time.Second)
	for len(srv.Views()) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d views connected, want 1", len(srv.Views()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if newest, total := srv.NewestViews(math.MaxInt); total != 1 || len(newest) != 1 {
		t.Fatalf("NewestViews(MaxInt): %d views of %d, want 1 of 1", len(newest), total)
	}
}

// An event's name is the client's to choose, up to MaxEventBytes: a view
// keeps the last one for the dashboard, shortened, so that neither the
// view's memory nor the dashboard's page grows with what a client sends.
func TestTheLastEventNameAViewKeepsIsShort(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/counter")
	v.Event("click", strings.Repeat("é", 15<<10), nil)
	views := srv.Views()
	if len(views) != 1 {
		t.Fatalf("%d views, want 1", len(views))
	}
	last := views[0].LastEvent
	if len(last) > 200 || !strings.HasPrefix(last, "éé") || !utf8.ValidString(last) {
		t.Fatalf("the last event's name kept is %d bytes (%.20q…), want a valid short prefix", len(last), last)
	}
}
