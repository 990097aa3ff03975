package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/live/channel"
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

func TestABurstIntoARoomCrashesNoViewAndTheChatKeepsWhatItShowed(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/rooms/1")
	bob := signedIn(t, a, "bob").Live("/rooms/1")
	ada.Submit("#say", url.Values{"body": {"hello"}})
	for _, v := range []*livetest.View{ada, bob} {
		v.SyncUntil("the message arrives", func() bool { return v.Count("#messages > li") == 1 })
	}

	// Bursts of 300 messages at once, each from another sender (so no
	// sender's limit applies), until one overflows the views' mailboxes.
	overflows := a.ps.Stats().Overflows
	for round := 0; a.ps.Stats().Overflows == overflows; round++ {
		if round == 10 {
			t.Fatal("ten bursts of 300 messages overflowed no mailbox")
		}
		for i := range 300 {
			b, err := channel.NewBroadcast("room:1", "new_msg", map[string]string{"body": fmt.Sprint("burst ", i), "user_id": fmt.Sprint("sender", i)})
			if err != nil {
				t.Fatal(err)
			}
			if err := a.ps.Broadcast(t.Context(), "room:1", b); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, v := range []*livetest.View{ada, bob} {
		caughtUp(t, a.live, v)
		// A remount would have replaced the list with an empty one: the
		// browser keeps "hello" unless 100 newer messages pushed it out.
		msgs := v.Texts("#messages > li")
		if len(msgs) == 0 || len(msgs) < 100 && !strings.Contains(msgs[0], "hello") {
			t.Fatalf("after the burst the chat shows %d messages, first %q", len(msgs), msgs)
		}
		if !v.Has("#online-ada") || !v.Has("#online-bob") {
			t.Fatalf("the online list lost someone:\n%s", v.HTML())
		}
	}
	// The room goes on.
	bob.Submit("#say", url.Values{"body": {"still here"}})
	ada.SyncUntil("the next message arrives", func() bool {
		msgs := ada.Texts("#messages > li")
		return strings.Contains(msgs[len(msgs)-1], "still here")
	})
}
