package live_test

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/livetest"
)

// joinCrasher mounts and renders for the GET, then crashes once connected
// where ?in= says: in Mount (a returned error, or a panic), in
// HandleParams, or in its first Render.
type joinCrasher struct {
	in    string
	live  bool
	ended chan error
}

func (v *joinCrasher) Mount(ctx context.Context, s *live.Socket, p url.Values) error {
	v.in, v.live = p.Get("in"), s.Connected()
	if !v.live {
		return nil
	}
	s.SendAfter(time.Hour, "tick") // stopped only if the view ends
	switch v.in {
	case "mount-error":
		return errors.New("db down")
	case "mount-panic":
		panic("mount boom")
	}
	return nil
}

func (v *joinCrasher) HandleParams(ctx context.Context, s *live.Socket, p url.Values) error {
	if v.live && v.in == "params-panic" {
		panic("params boom")
	}
	return nil
}

func (v *joinCrasher) Render() templ.Component {
	if v.live && v.in == "render-panic" {
		panic("render boom")
	}
	return templ.Raw("<p>hi</p>")
}

func (v *joinCrasher) Terminate(reason error) { v.ended <- reason }

// A join that fails once the view exists is a crash like any other: the
// client is told "join crashed", the channel logs one line naming the
// callback (with the stack of a panic), and the view's Terminate runs —
// so its timers and tasks stop — with a reason that matches what a crash
// in an event gives.
func TestAJoinThatCrashesEndsTheViewAsACrash(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, op, err string
		panic             bool
	}{
		{"A Mount that returns an error.", "mount-error", "Mount", "db down", false},
		{"A panic in Mount.", "mount-panic", "Mount", "panic: mount boom", true},
		{"A panic in HandleParams.", "params-panic", "HandleParams", "panic: params boom", true},
		{"A panic in the first Render.", "render-panic", "Render", "panic: render boom", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			ended := make(chan error, 1)
			srv, _ := newServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))},
				func() live.View { return &joinCrasher{ended: ended} })
			c := livetest.NewClient(t, srv, nil)
			if err := c.TryLive("/counter?in=" + tc.in); err == nil || !strings.Contains(err.Error(), `"join crashed"`) {
				t.Errorf("TryLive = %v, want the join refused with \"join crashed\"", err)
			}
			var reason error
			select {
			case reason = <-ended:
			case <-time.After(livetest.Timeout):
				t.Fatal("the connected view's Terminate was not called")
			}
			if !errors.Is(reason, live.ErrViewCrashed) || !errors.Is(reason, channel.ErrChannelCrashed) {
				t.Errorf("Terminate got %q: want it to match ErrViewCrashed and channel.ErrChannelCrashed", reason)
			}
			if msg := reason.Error(); strings.Count(msg, "crashed") != 1 || !strings.Contains(msg, tc.op+": "+tc.err) {
				t.Errorf("the reason reads %q: want %q once, with one \"crashed\"", msg, tc.op+": "+tc.err)
			}
			got := logs.errors()
			if len(got) != 1 {
				t.Fatalf("%d ERROR lines, want 1:\n%s", len(got), strings.Join(got, "\n"))
			}
			for _, want := range []string{`msg="channel crashed"`, "op=" + tc.op + " ", `err="` + tc.err + `"`, "channel.route=/counter"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("the line %q lacks %q", got[0], want)
				}
			}
			if hasStack := strings.Contains(got[0], "stack="); hasStack != tc.panic {
				t.Errorf("the line has a stack: %v, want %v", hasStack, tc.panic)
			}
		})
	}
}

// slowPanel starts, in Mount, a task that runs until its context ends,
// and panics in Render once connected.
type slowPanel struct {
	Data live.Async[int]
	live bool
}

func (v *slowPanel) Mount(ctx context.Context, s *live.Socket, p url.Values) error {
	v.live = s.Connected()
	v.Data.Load(s, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, ctx.Err()
	})
	return nil
}

func (v *slowPanel) Render() templ.Component {
	if v.live {
		panic("render boom")
	}
	return templ.Raw("<p>loading</p>")
}

// With MountOnce the join adopts the task the GET started; a join that
// crashes must stop it, or it runs until Shutdown, which then waits for
// it in vain.
func TestAJoinThatCrashesStopsTheTasksItAdopted(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{MountOnce: true}, func() live.View { return &slowPanel{} })
	if err := livetest.NewClient(t, srv, nil).TryLive("/counter"); err == nil {
		t.Fatal("the join did not crash")
	}
	if st := srv.Stats(); st.Adoptions != 1 {
		t.Fatalf("%d adoptions, want 1", st.Adoptions)
	}
	deadline := time.Now().Add(livetest.Timeout)
	for srv.Stats().AsyncTasks != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d async task(s) still running after the join crashed", srv.Stats().AsyncTasks)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// nanPusher pushes, from its connected Mount, an event whose payload has
// no JSON form: its join fails after the view has rendered.
type nanPusher struct{ ids chan string }

func (v *nanPusher) Mount(ctx context.Context, s *live.Socket, p url.Values) error {
	if s.Connected() {
		v.ids <- s.ID()
		s.PushEvent("chart", map[string]float64{"y": math.NaN()})
	}
	return nil
}

func (v *nanPusher) Render() templ.Component { return templ.Raw("<p>x</p>") }

// A view whose join failed is not connected: Server.Send does not reach
// it, and it holds none of the memory connected views are counted for.
func TestAJoinThatFailsLeavesNoConnectedView(t *testing.T) {
	t.Parallel()
	ids := make(chan string, 1)
	srv, _ := newServer(t, live.Options{}, func() live.View { return &nanPusher{ids: ids} })
	if err := livetest.NewClient(t, srv, nil).TryLive("/counter"); err == nil {
		t.Fatal("the join did not fail")
	}
	id := <-ids
	if err := srv.Send(id, "hello"); !errors.Is(err, live.ErrNoView) {
		t.Errorf("Send to the view whose join failed = %v, want ErrNoView", err)
	}
	if b := srv.Stats().ViewBytes; b != 0 {
		t.Errorf("the views hold %d bytes, want 0", b)
	}
}
