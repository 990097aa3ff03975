package live_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/livetest"
)

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu      sync.Mutex
	started []live.Op
	ended   []live.Op
	ctxOK   bool // every End got the context its Start returned
	changed chan struct{}
}

type recorderKey struct{}

func newRecorder() *recorder { return &recorder{ctxOK: true, changed: make(chan struct{}, 1)} }

func (r *recorder) Start(ctx context.Context, op live.Op) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, op)
	return context.WithValue(ctx, recorderKey{}, op.Kind)
}

func (r *recorder) End(ctx context.Context, op live.Op) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, _ := ctx.Value(recorderKey{}).(live.OpKind); k != op.Kind {
		r.ctxOK = false
	}
	r.ended = append(r.ended, op)
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// ends returns the operations that ended, of kind k.
func (r *recorder) ends(k live.OpKind) []live.Op {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []live.Op
	for _, op := range r.ended {
		if op.Kind == k {
			out = append(out, op)
		}
	}
	return out
}

// await waits until cond holds of what ended.
func (r *recorder) await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(livetest.Timeout)
	for !cond() {
		select {
		case <-r.changed:
		case <-deadline:
			t.Fatalf("observer: %s: not within %s", what, livetest.Timeout)
		}
	}
}

// kinds returns the kinds of ops in order.
func kinds(ops []live.Op) []live.OpKind {
	out := make([]live.OpKind, len(ops))
	for i, op := range ops {
		out[i] = op.Kind
	}
	return out
}

func TestAnObserverIsToldOfEveryOperationOfAView(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	srv, _ := newServer(t, live.Options{Observer: rec}, nil)
	v := livetest.Mount(t, srv, "/counter?start=5")

	rec.mu.Lock()
	// The GET mounts, then the join mounts again and renders, and only
	// then is the view connected.
	got := kinds(rec.ended)
	rec.mu.Unlock()
	want := []live.OpKind{live.OpMount, live.OpParams, live.OpMount, live.OpParams, live.OpRender, live.OpJoin}
	if !slices.Equal(got, want) {
		t.Fatalf("after the join, ended %v, want %v", got, want)
	}
	mounts := rec.ends(live.OpMount)
	if mounts[0].Connected || !mounts[1].Connected {
		t.Errorf("mounts connected %v, %v: want the GET's disconnected, the join's connected", mounts[0].Connected, mounts[1].Connected)
	}
	join := rec.ends(live.OpJoin)[0]
	if join.Route != "/counter" || join.ViewID != v.ID() || join.Err != nil || join.Duration <= 0 {
		t.Errorf("join: route %q, id %q (want %q), err %v, duration %v", join.Route, join.ViewID, v.ID(), join.Err, join.Duration)
	}
	first := rec.ends(live.OpRender)[0]
	if first.Render.Bytes == 0 || first.Render.Render <= 0 || first.Render.Parse <= 0 {
		t.Errorf("the join's render: %+v, want its HTML's size, render and parse times", first.Render)
	}

	v.Click("#inc")
	ev := rec.ends(live.OpEvent)
	if len(ev) != 1 || ev[0].Event != "inc" || ev[0].Route != "/counter" || ev[0].Err != nil {
		t.Fatalf("events ended: %+v, want one \"inc\" on /counter", ev)
	}
	rec.await(t, "the click's render", func() bool { return len(rec.ends(live.OpRender)) == 2 })
	patch := rec.ends(live.OpRender)[1].Render
	if patch.Bytes == 0 || patch.Render <= 0 || patch.Parse <= 0 || patch.Diff <= 0 || patch.Encode <= 0 {
		t.Errorf("the click's render: %+v, want every phase timed and the patch's size", patch)
	}

	v.Send(7)
	info := rec.ends(live.OpInfo)
	if len(info) != 1 || info[0].Msg != 7 {
		t.Errorf("infos ended: %+v, want the message 7", info)
	}

	v.Patch("/counter?start=1")
	if p := rec.ends(live.OpParams); len(p) != 3 || !p[2].Connected {
		t.Errorf("params ended: %+v, want the live patch's third", p)
	}

	if err := v.TryEvent(live.EventClick, "crash", nil); err == nil {
		t.Fatal("the view did not crash")
	}
	rec.await(t, "the view's end", func() bool { return len(rec.ends(live.OpView)) == 1 })
	crash := rec.ends(live.OpEvent)[1]
	if _, ok := errors.AsType[*channel.CrashError](crash.Err); !ok || crash.Event != "crash" {
		t.Errorf("the crashing event ended with %v, want a CrashError", crash.Err)
	}
	life := rec.ends(live.OpView)[0]
	if !errors.Is(life.Err, live.ErrViewCrashed) || life.Route != "/counter" || life.ViewID != v.ID() {
		t.Errorf("the view ended with %v on %q, want ErrViewCrashed on /counter", life.Err, life.Route)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.started) != len(rec.ended) {
		t.Errorf("%d started, %d ended", len(rec.started), len(rec.ended))
	}
	if !rec.ctxOK {
		t.Error("an End did not get the context its Start returned")
	}
}

// ctxView reports whether its callbacks got the context the observer's
// Start returned.
type ctxView struct {
	counter
	seen chan live.OpKind
}

func (c *ctxView) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	k, _ := ctx.Value(recorderKey{}).(live.OpKind)
	c.seen <- k
	return nil
}

func TestACallbackRunsWithTheContextTheObserverReturned(t *testing.T) {
	t.Parallel()
	seen := make(chan live.OpKind, 1)
	srv, _ := newServer(t, live.Options{Observer: newRecorder()}, func() live.View { return &ctxView{seen: seen} })
	v := livetest.Mount(t, srv, "/counter")
	v.Click("#inc")
	if k := <-seen; k != live.OpEvent {
		t.Errorf("HandleEvent's context carries %v, want %v", k, live.OpEvent)
	}
}

func TestAViewThatLeavesEndsWithoutACrash(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	srv, _ := newServer(t, live.Options{Observer: rec}, nil)
	v := livetest.Mount(t, srv, "/counter")
	v.Close()
	rec.await(t, "the view's end", func() bool { return len(rec.ends(live.OpView)) == 1 })
	if err := rec.ends(live.OpView)[0].Err; errors.Is(err, live.ErrViewCrashed) {
		t.Errorf("a view that left ended with %v", err)
	}
}

func TestARefusedJoinIsObservedWithItsRefusal(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	srv, _ := newServer(t, live.Options{Observer: rec, Authorize: func(context.Context, live.Session) error {
		return errors.New("signed out")
	}}, nil)
	c := livetest.NewClient(t, srv, srv)
	if err := c.TryLive("/counter"); err == nil {
		t.Fatal("the join was not refused")
	}
	rec.await(t, "the join", func() bool { return len(rec.ends(live.OpJoin)) == 1 })
	join := rec.ends(live.OpJoin)[0]
	if _, ok := errors.AsType[*channel.JoinError](join.Err); !ok {
		t.Errorf("the join ended with %v, want a JoinError", join.Err)
	}
	if n := len(rec.ends(live.OpView)); n != 0 {
		t.Errorf("%d views ended, but none connected", n)
	}
}

func TestOpKindsHaveNames(t *testing.T) {
	t.Parallel()
	for k, want := range map[live.OpKind]string{
		live.OpJoin: "join", live.OpMount: "mount", live.OpParams: "params", live.OpEvent: "event",
		live.OpInfo: "info", live.OpRender: "render", live.OpView: "view", 0: "unknown", 200: "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("OpKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

// hookedRows is the rows view with an event hook that halts "save".
type hookedRows struct{ rows }

func (v *hookedRows) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	s.OnEvent("no-save", func(ctx context.Context, s *live.Socket, ev live.Event) (bool, error) {
		return ev.Name == "save", nil
	})
	return v.rows.Mount(ctx, s, params)
}

func TestAnObserverIsToldOfComponentsAndOfEventsHooksHalted(t *testing.T) {
	t.Parallel()
	rec := newRecorder()
	srv, _ := newServer(t, live.Options{Observer: rec}, nil)
	ended := &endings{why: map[string]error{}}
	srv.Page("/rows", func() live.View { return &hookedRows{rows{ended: ended}} })
	v := livetest.Mount(t, srv, "/rows?ids=a,b")

	v.Click("#row-a .inc")
	ev := rec.ends(live.OpEvent)
	if len(ev) != 1 || ev[0].Event != "inc" || ev[0].Component != "a" || ev[0].Err != nil {
		t.Fatalf("events ended: %+v, want row a's \"inc\"", ev)
	}

	v.Click("#row-b .save") // the view's, halted by its hook
	if got := v.Text("#saved"); got != "" {
		t.Fatalf("saved = %q: the hook did not halt the event", got)
	}
	ev = rec.ends(live.OpEvent)
	if len(ev) != 2 || ev[1].Event != "save" || ev[1].Component != "" || ev[1].Err != nil {
		t.Errorf("events ended: %+v, want the view's halted \"save\" second", ev)
	}

	v.SendUpdate("b", reset{to: 7})
	rec.await(t, "row b's message", func() bool { return len(rec.ends(live.OpInfo)) == 1 })
	info := rec.ends(live.OpInfo)[0]
	if info.Component != "b" || info.Msg != (reset{to: 7}) || info.Route != "/rows" || info.Err != nil {
		t.Errorf("info ended: %+v, want row b's reset on /rows", info)
	}
}
