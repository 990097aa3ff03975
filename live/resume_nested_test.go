package live_test

import (
	"testing"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// After a lost connection and a resume of the parent, the page joins the
// nested view again on the new connection, where its parent now is.
func TestANestedViewRejoinsAfterItsParentResumes(t *testing.T) {
	t.Parallel()
	srv, ended := newShelfServer(t, live.Options{})
	v := livetest.Mount(t, srv, "/shelf")
	child := v.Nested("tally")
	child.Click("#inc")
	v.Click("#add")
	v.Drop()
	waitResumable(t, srv, 1)
	if !v.Resume() {
		t.Fatal("remounted, want resumed")
	}
	if got := v.Text("#n"); got != "1" {
		t.Fatalf("the parent's count = %s after resuming, want 1", got)
	}
	child = v.Nested("tally")
	if got := child.Text("#count"); got != "5" {
		t.Fatalf("the nested view joined without resuming shows %s, want a new mount's 5", got)
	}
	if err := awaitReason(t, ended); err == nil {
		t.Fatal("the nested view of the lost connection ended without a reason")
	}
	waitResumable(t, srv, 0)
	child.Click("#inc")
	if got := child.Text("#count"); got != "6" {
		t.Fatalf("count = %s after a click, want 6", got)
	}
}
