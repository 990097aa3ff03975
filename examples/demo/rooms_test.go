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
	for _, v := range []*livetest.View{ada, bob} {
		v.SyncUntil("both online", func() bool { return v.Has("#online-ada") && v.Has("#online-bob") })
	}

	bob.Change("#say", "body", url.Values{"body": {"hel"}})
	ada.SyncUntil("ada sees bob typing", func() bool { return ada.Has("#online-bob .typing") })
	bob.Submit("#say", url.Values{"body": {"hello"}})
	ada.SyncUntil("bob stops typing after sending", func() bool { return !ada.Has("#online-bob .typing") })
	for _, v := range []*livetest.View{ada, bob} {
		v.SyncUntil("the message arrives", func() bool { return v.Count("#messages > li") == 1 })
		if got := v.Text("#messages > li"); !strings.Contains(got, "hello") {
			t.Fatalf("message %q", got)
		}
	}

	// A closed tab leaves every list, with nothing to call.
	bob.Close()
	ada.SyncUntil("bob leaves", func() bool { return !ada.Has("#online-bob") })
}

func TestTheSameUserInTwoTabsIsListedOnce(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := signedIn(t, a, "ada")
	one := c.Live("/rooms/2")
	c.Live("/rooms/2")
	one.SyncUntil("two tabs shown", func() bool { return strings.Contains(one.Text("#online-ada"), "2 tabs") })
	if n := one.Count("#online > li"); n != 1 {
		t.Fatalf("%d entries:\n%s", n, one.HTML())
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
		ada.SyncUntil("bob listed", func() bool { return ada.Has("#online-bob") })
		start := time.Now()
		bob.Close()
		for ada.Has("#online-bob") {
			ada.Sync("")
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N), "µs/close")
}
