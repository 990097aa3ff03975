package main

import (
	"net/url"
	"strings"
	"testing"

	"github.com/templive/templive/live/livetest"
)

func TestFeedPostsAppearAtTheTopOfEveryTab(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	bob := signedIn(t, a, "bob").Live("/feed")

	ada.Submit("#new-post", url.Values{"body": {"first!"}})
	ada.Submit("#new-post", url.Values{"body": {"second"}})
	bob.Sync("")
	for _, v := range []*livetest.View{ada, bob} {
		v.Sync("")
		if got := strings.Join(v.Texts("#posts .body"), "|"); got != "second|first!" {
			t.Fatalf("feed %q", got)
		}
	}
	if ada.Text("#new-post-body") != "" {
		t.Fatalf("the draft was not cleared: %q", ada.Text("#new-post-body"))
	}
	if bob.Has("#posts .edit") {
		t.Fatal("bob may edit ada's posts")
	}
}

func TestFeedEditAndDeletePropagate(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	bob := signedIn(t, a, "bob").Live("/feed")
	ada.Submit("#new-post", url.Values{"body": {"draft one"}})
	bob.Sync("")

	ada.Click("#posts .edit")
	ada.Submit("#posts form", url.Values{"body": {"final one"}})
	bob.Sync("")
	for _, v := range []*livetest.View{ada, bob} {
		v.Sync("")
		if got := strings.Join(v.Texts("#posts .body"), "|"); got != "final one" {
			t.Fatalf("after an edit: %q", got)
		}
	}
	ada.Click("#posts .delete")
	bob.Sync("")
	for _, v := range []*livetest.View{ada, bob} {
		v.Sync("")
		if n := v.Count("#posts > li"); n != 0 {
			t.Fatalf("%d posts left after a delete:\n%s", n, v.HTML())
		}
	}
}

func TestAFailedWriteShowsAProblemAndBroadcastsNothing(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	bob := signedIn(t, a, "bob").Live("/feed")
	ada.Submit("#new-post", url.Values{"body": {"   "}})
	if !ada.Has("#post-error") {
		t.Fatalf("no validation error:\n%s", ada.HTML())
	}
	ada.Submit("#new-post", url.Values{"body": {strings.Repeat("x", 281)}})
	if !strings.Contains(ada.Text("#post-error"), "280") {
		t.Fatalf("error %q", ada.Text("#post-error"))
	}
	bob.Sync("")
	if n := bob.Count("#posts > li"); n != 0 {
		t.Fatalf("a failed write reached bob: %d posts", n)
	}
}

func TestTheFeedIsReadableSignedOut(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	signedIn(t, a, "ada").Live("/feed").Submit("#new-post", url.Values{"body": {"hello"}})
	v := livetest.NewClient(t, a.live, a.mux).Live("/feed")
	if got := v.Texts("#posts .body"); len(got) != 1 || got[0] != "hello" {
		t.Fatalf("feed %q", got)
	}
	if v.Has("#new-post") {
		t.Fatal("a signed-out visitor can post")
	}
}
