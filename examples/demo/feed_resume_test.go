package main

import (
	"fmt"
	"net/url"
	"testing"
	"time"
)

// TestFeedResumeSendsLessThanARemount measures, on the feed page with 20
// posts, what a page that lost its connection while one post arrived
// receives when it resumes, against a remount (the fallback, here forced
// by naming a version the server never sent). The figures go to the log
// (go test -v); the test asserts only that a resume sends less.
func TestFeedResumeSendsLessThanARemount(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	// Posts from several users: each may post only a few a minute.
	for _, name := range []string{"bob", "cy", "dee", "eve"} {
		v := signedIn(t, a, name).Live("/feed")
		for i := range 5 {
			v.Submit("#new-post", url.Values{"body": {fmt.Sprintf("%s's post number %d, with a few words to read", name, i)}})
		}
	}
	ada.Sync("")
	shown := ada.Count("#posts > li")

	measure := func(what, by string, rejoin func() bool) (int64, time.Duration, bool) {
		poster := signedIn(t, a, by).Live("/feed")
		ada.Drop()
		poster.Submit("#new-post", url.Values{"body": {"posted while " + what}})
		before, t0 := ada.BytesReceived(), time.Now()
		resumed := rejoin()
		d := time.Since(t0)
		ada.Sync("")
		if got := ada.Texts("#posts .body"); len(got) < shown || got[0] != "posted while "+what {
			t.Fatalf("%s: the feed shows %q", what, got)
		}
		return ada.BytesReceived() - before, d, resumed
	}
	rb, rt, resumed := measure("resuming", "fay", ada.Resume)
	if !resumed {
		t.Fatal("the feed did not resume")
	}
	mb, mt, resumed := measure("remounting", "gus", func() bool { return ada.ResumeAt(0) })
	if resumed {
		t.Fatal("resumed at a version never sent")
	}
	t.Logf("feed, %d posts, one missed: resume %d B in %v; remount %d B in %v", shown, rb, rt, mb, mt)
	if rb >= mb {
		t.Fatalf("a resume sent %d B, a remount %d B", rb, mb)
	}
}
