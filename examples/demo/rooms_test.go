package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/live/livetest"
)

func TestRoomsNeedASignedInUser(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	p := livetest.NewClient(t, a.live, a.mux).Get("/rooms/1")
	if p.Status != http.StatusFound || !strings.HasPrefix(p.Location, "/signin?next=") {
		t.Fatalf("status %d, location %q", p.Status, p.Location)
	}
}

func TestPrivateRoomsAreForTheirMembers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	p := signedIn(t, a, "mallory").Get("/rooms/42")
	if p.Status != http.StatusFound || p.Location != "/" {
		t.Fatalf("status %d, location %q", p.Status, p.Location)
	}
}

func TestTwoUsersSeeEachOtherOnlineAndTyping(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/rooms/1")
	if got := ada.Texts("#online > li"); len(got) != 1 || !strings.Contains(got[0], "ada") {
		t.Fatalf("ada alone sees %q", got)
	}
	bob := signedIn(t, a, "bob").Live("/rooms/1")
	ada.Sync("")
	for _, v := range []*livetest.View{ada, bob} {
		if !v.Has("#online-ada") || !v.Has("#online-bob") {
			t.Fatalf("not both online:\n%s", v.HTML())
		}
	}

	bob.Change("#say", "body", url.Values{"body": {"hel"}})
	ada.Sync("")
	if !ada.Has("#online-bob .typing") {
		t.Fatalf("ada does not see bob typing:\n%s", ada.HTML())
	}
	bob.Submit("#say", url.Values{"body": {"hello"}})
	ada.Sync("")
	if ada.Has("#online-bob .typing") {
		t.Fatalf("bob still typing after sending:\n%s", ada.HTML())
	}
	for _, v := range []*livetest.View{ada, bob} {
		v.Sync("")
		if got := v.Texts("#messages > li"); len(got) != 1 || !strings.Contains(got[0], "hello") {
			t.Fatalf("messages %q", got)
		}
	}

	// A closed tab leaves every list, with nothing to call.
	bob.Close()
	for range 100 {
		ada.Sync("")
		if !ada.Has("#online-bob") {
			return
		}
	}
	t.Fatalf("bob still online after closing his tab:\n%s", ada.HTML())
}

func TestTheSameUserInTwoTabsIsListedOnce(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := signedIn(t, a, "ada")
	one := c.Live("/rooms/2")
	c.Live("/rooms/2")
	one.Sync("")
	if n := one.Count("#online > li"); n != 1 {
		t.Fatalf("%d entries:\n%s", n, one.HTML())
	}
	if !strings.Contains(one.Text("#online-ada"), "2 tabs") {
		t.Fatalf("two tabs not shown:\n%s", one.HTML())
	}
}

// BenchmarkTabCloseToListUpdate measures the time from a tab closing to the
// other tab's list no longer showing its user: the connection closes, the
// view's context ends, presence untracks, the diff reaches the other view,
// which re-renders and sends its patch.
func BenchmarkTabCloseToListUpdate(b *testing.B) {
	a := newTestApp(b)
	ada := signedIn(b, a, "ada").Live("/rooms/3")
	bobs := signedIn(b, a, "bob")
	var total time.Duration
	for b.Loop() {
		bob := bobs.Live("/rooms/3")
		ada.Sync("")
		if !ada.Has("#online-bob") {
			b.Fatal("bob not listed")
		}
		start := time.Now()
		bob.Close()
		for ada.Has("#online-bob") {
			ada.Sync("")
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/close")
}
