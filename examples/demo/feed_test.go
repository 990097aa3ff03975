package main

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

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

func TestFourThousandPostsFromOneWriterCrashNoneOfTwentyViewers(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	viewers := make([]*livetest.View, 20)
	for i := range viewers {
		viewers[i] = livetest.NewClient(t, a.live, a.mux).Live("/feed")
	}
	// Straight to the store, past the posting limit of the page, as many
	// writers at once (or one on several nodes) would: rounds of 200 posts
	// as fast as SQLite takes them, each followed by every viewer reading
	// what it was sent, as a browser does all along. The writes stop after
	// 4,000 posts or 5 s, whichever comes first (the race detector on a
	// busy machine writes slower).
	const posts, round = 4000, 200
	stop := time.Now().Add(5 * time.Second)
	written := 0
	for written < posts && time.Now().Before(stop) {
		for range round {
			if _, err := a.store.CreatePost(t.Context(), "mallory", fmt.Sprint("post ", written)); err != nil {
				t.Fatal(err)
			}
			written++
		}
		for _, v := range viewers {
			caughtUp(t, a.live, v)
		}
	}
	t.Logf("%d posts written; %d mailbox overflows", written, a.ps.Stats().Overflows)
	for _, v := range viewers {
		v.SyncUntil("the newest posts", func() bool {
			bodies := v.Texts("#posts .body")
			return len(bodies) == feedSize && bodies[0] == fmt.Sprint("post ", written-1)
		})
	}
}

func TestOneUsersPostsPastTheLimitAreRefusedWithAProblem(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	bob := signedIn(t, a, "bob").Live("/feed")
	posted := 0
	for range 20 {
		ada.Submit("#new-post", url.Values{"body": {fmt.Sprint("spam ", posted)}})
		if ada.Has("#post-error") {
			break
		}
		posted++
	}
	if posted == 0 || posted >= 20 {
		t.Fatalf("%d quick posts went through", posted)
	}
	if got := ada.Text("#post-error"); !strings.Contains(got, "too fast") {
		t.Fatalf("problem %q", got)
	}
	if got := ada.Text("#new-post-body"); got != fmt.Sprint("spam ", posted) {
		t.Fatalf("the refused post's draft is %q", got)
	}
	bob.SyncUntil("the posts that went through", func() bool { return bob.Count("#posts > li") == posted })
	// Another user's allowance is their own.
	bob.Submit("#new-post", url.Values{"body": {"hi"}})
	if bob.Has("#post-error") {
		t.Fatalf("bob refused: %s", bob.Text("#post-error"))
	}
}

func TestFeedPostsAreCardsThatKeepTheirLikesAsPostsArrive(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	ada := signedIn(t, a, "ada").Live("/feed")
	bob := signedIn(t, a, "bob").Live("/feed")
	ada.Submit("#new-post", url.Values{"body": {"one"}})
	ada.Submit("#new-post", url.Values{"body": {"two"}})
	bob.Sync("")

	bob.Click("#post-1 .like")
	bob.Click("#post-1 .like")
	if got := bob.Text("#post-1 .likes"); got != "2" {
		t.Fatalf("post 1 shows %s likes after two, want 2", got)
	}
	if got := bob.Text("#post-2 .likes"); got != "0" {
		t.Fatalf("post 2 shows %s likes, want 0", got)
	}
	// A new post, and an edit of the liked one, leave its card's state.
	ada.Submit("#new-post", url.Values{"body": {"three"}})
	ada.Click("#post-1 .edit")
	ada.Submit("#post-1 form", url.Values{"body": {"one, edited"}})
	bob.Sync("")
	if got := strings.Join(bob.Texts("#posts .body"), "|"); got != "three|two|one, edited" {
		t.Fatalf("bob's feed %q", got)
	}
	if got := bob.Text("#post-1 .likes"); got != "2" {
		t.Fatalf("post 1 shows %s likes after an insert and an edit, want 2", got)
	}
	// A save the content context refuses keeps the editor and the draft.
	ada.Click("#post-2 .edit")
	ada.Submit("#post-2 form", url.Values{"body": {"   "}})
	if !ada.Has("#post-2 form") || !ada.Has("#post-2 .error") {
		t.Fatalf("a refused save closed the editor:\n%s", ada.HTML())
	}
}
