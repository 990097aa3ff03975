package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// feedView counts its clicks and the posts of the "posts" topic, and
// counts its mounts and ends; it is the view a dropped connection should
// not disturb.
type feedView struct {
	clicks, posts int
	mounts        *atomic.Int64
	ended         chan error
}

func (v *feedView) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if s.Connected() {
		v.mounts.Add(1)
		return s.Subscribe("posts")
	}
	return nil
}

func (v *feedView) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<details open><summary>s</summary><p id="clicks">%d</p></details><p id="posts">%d</p><button id="inc" live-click="inc">+</button>`, v.clicks, v.posts)
		return err
	})
}

func (v *feedView) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "inc" {
		v.clicks++
	}
	return nil
}

func (v *feedView) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(feedPost); ok {
		v.posts++
	}
	return nil
}

func (v *feedView) Terminate(reason error) {
	select {
	case v.ended <- reason:
	default:
	}
}

type feedPost struct{}

func newFeed(t *testing.T, opts live.Options) (*live.Server, *atomic.Int64, chan error) {
	t.Helper()
	var mounts atomic.Int64
	ended := make(chan error, 4)
	srv, _ := newServer(t, opts, nil)
	srv.Page("/feed", func() live.View { return &feedView{mounts: &mounts, ended: ended} })
	return srv, &mounts, ended
}

// waitResumable waits until n views wait to be resumed.
func waitResumable(t *testing.T, srv *live.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(livetest.Timeout)
	for srv.Stats().Resumable != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d views wait to be resumed, want %d", srv.Stats().Resumable, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAResumedViewGetsWhatItMissedWhileDisconnected(t *testing.T) {
	t.Parallel()
	srv, mounts, _ := newFeed(t, live.Options{})
	v := livetest.Mount(t, srv, "/feed")
	v.Click("#inc")
	v.Drop()
	waitResumable(t, srv, 1)

	// Messages published while the page is away are applied to the view.
	for range 3 {
		if err := srv.PubSub().Broadcast(t.Context(), "posts", feedPost{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Send(v.ID(), feedPost{}); err != nil {
		t.Fatalf("send to a parked view: %v", err)
	}
	if !v.Resume() {
		t.Fatal("remounted, want resumed")
	}
	// What the parked view had not handled yet is handled now.
	v.Sync("")
	if got := v.Text("#posts"); got != "4" {
		t.Fatalf("posts = %s after resuming, want 4", got)
	}
	if got := v.Text("#clicks"); got != "1" {
		t.Fatalf("clicks = %s after resuming, want 1", got)
	}
	if n := mounts.Load(); n != 1 {
		t.Fatalf("mounted %d times, want once", n)
	}
	// The view goes on as before.
	v.Click("#inc")
	if got := v.Text("#clicks"); got != "2" {
		t.Fatalf("clicks = %s, want 2", got)
	}
	if st := srv.Stats(); st.Resumes != 1 || st.Views != 1 || st.Resumable != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestAResumeWithNothingMissedSendsNothing(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFeed(t, live.Options{})
	v := livetest.Mount(t, srv, "/feed")
	v.Click("#inc")
	before := v.Version()
	if !v.Resume() {
		t.Fatal("remounted, want resumed")
	}
	if v.Version() != before {
		t.Fatalf("version %d, want %d: nothing changed", v.Version(), before)
	}
	if got := v.Text("#clicks"); got != "1" {
		t.Fatalf("clicks = %s", got)
	}
}

func TestAnEventResentAfterADropIsAppliedOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// answered: the reply arrived before the drop, so it is not sent again.
		sync bool
	}{
		{"the server handled it and its reply was lost", false},
		{"the reply arrived before the drop", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _, _ := newFeed(t, live.Options{})
			v := livetest.Mount(t, srv, "/feed")
			v.SendEvent(live.EventClick, "inc", nil)
			v.SendEvent(live.EventClick, "inc", nil)
			if tt.sync {
				v.Sync("")
			} else {
				// Let the server handle both before the connection drops:
				// the replies are lost with it, unread.
				waitFor(t, "the clicks are handled", func() bool { return srv.Stats().Events == 2 })
			}
			v.Drop()
			if !v.Resume() {
				t.Fatal("remounted, want resumed")
			}
			if got := v.Text("#clicks"); got != "2" {
				t.Fatalf("clicks = %s after two clicks and a resume, want 2", got)
			}
			if n := srv.Stats().Events; n != 2 {
				t.Fatalf("%d events handled, want 2", n)
			}
		})
	}
}

func TestAnEventTheServerNeverGotIsAppliedOnResume(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFeed(t, live.Options{})
	v := livetest.Mount(t, srv, "/feed")
	v.Drop()
	waitResumable(t, srv, 1)
	// Sent into a dead connection: the server never sees it.
	v.SendEvent(live.EventClick, "inc", nil)
	if !v.Resume() {
		t.Fatal("remounted, want resumed")
	}
	if got := v.Text("#clicks"); got != "1" {
		t.Fatalf("clicks = %s, want 1", got)
	}
}

func TestAViewNotResumedInTimeEndsAndThePageRemounts(t *testing.T) {
	t.Parallel()
	srv, mounts, ended := newFeed(t, live.Options{ResumeFor: 50 * time.Millisecond})
	v := livetest.Mount(t, srv, "/feed")
	v.Click("#inc")
	v.Drop()
	select {
	case err := <-ended:
		if err == nil {
			t.Fatal("ended without a reason")
		}
	case <-time.After(livetest.Timeout):
		t.Fatal("the parked view did not end")
	}
	waitResumable(t, srv, 0)
	if v.Resume() {
		t.Fatal("resumed a view that expired")
	}
	if got := v.Text("#clicks"); got != "0" {
		t.Fatalf("clicks = %s after a remount, want 0", got)
	}
	if n := mounts.Load(); n != 2 {
		t.Fatalf("mounted %d times, want twice", n)
	}
}

func TestResumingCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	srv, _, ended := newFeed(t, live.Options{ResumeFor: -1})
	v := livetest.Mount(t, srv, "/feed")
	v.Drop()
	select {
	case <-ended:
	case <-time.After(livetest.Timeout):
		t.Fatal("the view did not end with its connection")
	}
	if v.Resume() {
		t.Fatal("resumed with resuming off")
	}
}

func TestAResumeThatCannotBeTrustedRemounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		version func(v *livetest.View) uint64
	}{
		{"a version the server never sent", func(v *livetest.View) uint64 { return v.Version() + 1 }},
		{"a version long gone", func(v *livetest.View) uint64 { return v.Version() - 1000 }},
		{"version zero", func(v *livetest.View) uint64 { return 0 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, mounts, ended := newFeed(t, live.Options{})
			v := livetest.Mount(t, srv, "/feed")
			v.Click("#inc")
			v.Drop()
			waitResumable(t, srv, 1)
			if v.ResumeAt(tt.version(v)) {
				t.Fatal("resumed")
			}
			if got := v.Text("#clicks"); got != "0" {
				t.Fatalf("clicks = %s after a remount, want 0", got)
			}
			select {
			case <-ended:
			case <-time.After(livetest.Timeout):
				t.Fatal("the parked view did not end when its page remounted")
			}
			if n := mounts.Load(); n != 2 {
				t.Fatalf("mounted %d times", n)
			}
		})
	}
}

func TestAnotherBrowserCannotResumeAView(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFeed(t, live.Options{})
	victim := livetest.NewClient(t, srv, nil)
	v := victim.Live("/feed")
	v.Click("#inc")
	v.Drop()
	waitResumable(t, srv, 1)

	// The attacker has the victim's page (its view id and signed session),
	// but its own CSRF cookie.
	attacker := livetest.NewClient(t, srv, nil)
	a := attacker.Join(attacker.Get("/feed"))
	if a.ID() == v.ID() {
		t.Fatal("two pages with one view id")
	}
	stolen := attacker.Impersonate(v, "")
	if stolen.Resume() {
		t.Fatal("another browser resumed the view")
	}
	if got := stolen.Text("#clicks"); got != "0" {
		t.Fatalf("the other browser sees clicks = %s", got)
	}
	// The victim still resumes its own.
	if !v.Resume() {
		t.Fatal("the victim's view was not kept")
	}
	if got := v.Text("#clicks"); got != "1" {
		t.Fatalf("clicks = %s", got)
	}
}

func TestAResumeWithAForgedSessionIsRefused(t *testing.T) {
	t.Parallel()
	srv, _, _ := newFeed(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/feed")
	other := c.Live("/feed")
	v.Drop()
	waitResumable(t, srv, 1)
	// The other page's session is genuine, but for another view id.
	err := c.Impersonate(v, other.Session()).TryResume()
	if err == nil {
		t.Fatal("a session for another view resumed it")
	}
	if !v.Resume() {
		t.Fatal("the view was not kept")
	}
}

func TestAConnectionTheServerHasNotSeenDieIsResumedFrom(t *testing.T) {
	t.Parallel()
	srv, mounts, _ := newFeed(t, live.Options{})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/feed")
	v.Click("#inc")
	// A second connection resumes while the first is still open, as after
	// a network change the server has not noticed yet.
	w := c.Impersonate(v, "")
	if !w.Resume() {
		t.Fatal("remounted, want resumed")
	}
	w.Click("#inc")
	if got := w.Text("#clicks"); got != "2" {
		t.Fatalf("clicks = %s", got)
	}
	if n := mounts.Load(); n != 1 {
		t.Fatalf("mounted %d times", n)
	}
}

func TestShutdownEndsParkedViews(t *testing.T) {
	t.Parallel()
	srv, _, ended := newFeed(t, live.Options{})
	v := livetest.Mount(t, srv, "/feed")
	v.Drop()
	waitResumable(t, srv, 1)
	ctx, cancel := context.WithTimeout(t.Context(), livetest.Timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ended:
		if err == nil || errors.Is(err, live.ErrViewCrashed) {
			t.Fatalf("ended with %v", err)
		}
	default:
		t.Fatal("Shutdown returned before the parked view ended")
	}
}

// waitFor polls cond until it holds, failing the test after a generous
// deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(livetest.Timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stateView shows whether it is connected, when asked to.
type stateView struct{ show, connected bool }

func (v *stateView) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.show, v.connected = params.Get("show") != "", s.Connected()
	return nil
}

func (v *stateView) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		state := "page"
		if v.show && v.connected {
			state = "live"
		}
		_, err := fmt.Fprintf(w, `<details><summary>s</summary></details><p id="state">%s</p>`, state)
		return err
	})
}

func TestAnAdoptedViewsJoinPatchesTheGETsRender(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, want string
	}{
		{"nothing changed: no patch at all", "/state", "page"},
		{"the connected Mount changed the render: a patch", "/state?show=1", "live"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, live.Options{MountOnce: true}, nil)
			srv.Page("/state", func() live.View { return &stateView{} })
			c := livetest.NewClient(t, srv, nil)
			v := c.Join(c.Get(tt.path))
			if !v.JoinPatched() {
				t.Fatal("the join replaced the GET's render")
			}
			if got := v.Text("#state"); got != tt.want {
				t.Fatalf("state %q, want %q", got, tt.want)
			}
			if st := srv.Stats(); st.Adoptions != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestAParkedViewKeepsItsPlaceUnderMaxViewBytes(t *testing.T) {
	t.Parallel()
	// Room for one view.
	srv, _, _ := newFeed(t, live.Options{MaxViewBytes: live.ViewOverhead + 4<<10})
	c := livetest.NewClient(t, srv, nil)
	v := c.Live("/feed")
	v.Drop()
	waitResumable(t, srv, 1)
	if err := livetest.NewClient(t, srv, nil).TryLive("/feed"); err == nil {
		t.Fatal("a second view joined while the parked one holds the memory")
	}
	if !v.Resume() {
		t.Fatal("the parked view did not resume at the memory cap")
	}
}
