package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// backend is a slow backend whose calls the test answers one by one, so
// that it decides when each async task finishes.
type backend struct {
	calls     chan *call
	ignoreCtx bool // calls wait for their answer even once their context ends
}

// call is one call to the backend.
type call struct {
	ctx    context.Context
	answer chan answer
	done   chan error // receives the context's error as the call returns
}

type answer struct {
	val string
	err error
}

func newBackend(ignoreCtx bool) *backend {
	return &backend{calls: make(chan *call, 16), ignoreCtx: ignoreCtx}
}

// fetch is the task: it waits for the test's answer, or for its context
// to end unless the backend ignores it.
func (b *backend) fetch(ctx context.Context) (string, error) {
	c := &call{ctx: ctx, answer: make(chan answer, 1), done: make(chan error, 1)}
	b.calls <- c
	defer func() { c.done <- ctx.Err() }()
	var a answer
	if b.ignoreCtx {
		a = <-c.answer
	} else {
		select {
		case a = <-c.answer:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return a.val, a.err
}

// next returns the next call the backend received.
func (b *backend) next(t *testing.T) *call {
	t.Helper()
	select {
	case c := <-b.calls:
		return c
	case <-time.After(livetest.Timeout):
		t.Fatal("the backend was not called")
		return nil
	}
}

// idle fails the test if the backend received a call nobody took.
func (b *backend) idle(t *testing.T) {
	t.Helper()
	select {
	case <-b.calls:
		t.Fatal("the backend was called once more")
	default:
	}
}

func (c *call) reply(val string) { c.answer <- answer{val: val} }

// ended waits for the call to return and returns its context's error at
// that moment.
func (c *call) ended(t *testing.T) error {
	t.Helper()
	select {
	case err := <-c.done:
		return err
	case <-time.After(livetest.Timeout):
		t.Fatal("the task did not return")
		return nil
	}
}

// asyncView loads its values with async tasks on the backend.
type asyncView struct {
	b      *backend
	ended  chan error
	Stats  live.Async[string]
	Report string
	Rows   *live.Stream[string]
	n      int
}

// restartAfter makes the view restart its Stats task once gate closes.
type restartAfter struct{ gate chan struct{} }

func (v *asyncView) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.Rows = live.NewStream(s, "rows", func(r string) string { return "row-" + r })
	if params.Has("load") {
		v.Stats.Load(s, v.b.fetch)
	}
	return nil
}

func (v *asyncView) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		state, text := "idle", ""
		switch {
		case v.Stats.Loading():
			state = "loading"
		case v.Stats.OK():
			state, text = "ok", v.Stats.Value
		case v.Stats.Failed():
			state = "failed"
			switch err := v.Stats.Err; {
			case errors.Is(err, live.ErrAsyncPanicked):
				text = "panicked"
			case errors.Is(err, live.ErrAsyncCanceled):
				text = "canceled"
			default:
				text = err.Error()
			}
		}
		if _, err := fmt.Fprintf(w, `<p id="stats" class="%s">%s</p><p id="report">%s</p><p id="n">%d</p><ul id="rows" live-update="stream">`,
			state, templ.EscapeString(text), templ.EscapeString(v.Report), v.n); err != nil {
			return err
		}
		for _, it := range v.Rows.Items() {
			if _, err := fmt.Fprintf(w, `<li id="%s">%s</li>`, it.ID, templ.EscapeString(it.Value)); err != nil {
				return err
			}
		}
		if _, err := io.WriteString(w, `</ul>`); err != nil {
			return err
		}
		for _, ev := range []string{"reload", "cancel", "panic", "report", "cancel-report", "rows", "many", "inc"} {
			if _, err := fmt.Fprintf(w, `<button id="do-%s" live-click="%s"></button>`, ev, ev); err != nil {
				return err
			}
		}
		return nil
	})
}

func (v *asyncView) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	b := v.b
	switch ev.Name {
	case "reload":
		v.Stats.Load(s, b.fetch)
	case "cancel":
		v.Stats.Cancel(s)
	case "panic":
		v.Stats.Load(s, func(ctx context.Context) (string, error) { panic("kaboom") })
	case "report":
		live.StartAsync(s, "report", b.fetch, func(ctx context.Context, s *live.Socket, r string, err error) error {
			if err != nil {
				r = "error: " + err.Error()
			}
			v.Report = r
			return nil
		})
	case "cancel-report":
		s.CancelAsync("report")
	case "rows":
		live.StartAsync(s, "rows", func(ctx context.Context) ([]string, error) {
			r, err := b.fetch(ctx)
			return strings.Split(r, ","), err
		}, func(ctx context.Context, s *live.Socket, rows []string, err error) error {
			if err == nil {
				v.Rows.Insert(rows...)
			}
			return nil
		})
	case "many":
		for i := range 200 {
			live.StartAsync(s, fmt.Sprint("task-", i), func(ctx context.Context) (int, error) { return 1, nil },
				func(ctx context.Context, s *live.Socket, n int, err error) error {
					v.n += n
					return nil
				})
		}
	case "inc":
		v.n++
	}
	return nil
}

func (v *asyncView) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(restartAfter); ok {
		<-m.gate
		v.Stats.Load(s, v.b.fetch)
	}
	return nil
}

func (v *asyncView) Terminate(reason error) {
	if v.ended != nil {
		v.ended <- reason
	}
}

// newAsyncServer serves asyncView at /async, on b.
func newAsyncServer(t *testing.T, opts live.Options, b *backend, ended chan error) *live.Server {
	t.Helper()
	srv, _ := newServer(t, opts, nil)
	srv.Page("/async", func() live.View { return &asyncView{b: b, ended: ended} })
	return srv
}

// waitTasks waits until n async tasks' goroutines are running.
func waitTasks(t *testing.T, srv *live.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(livetest.Timeout)
	for srv.Stats().AsyncTasks != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d async tasks running, want %d", srv.Stats().AsyncTasks, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestTheGETShowsAnAsyncValueLoadingWithoutWaitingForIt(t *testing.T) {
	t.Parallel()
	b := newBackend(false)
	srv := newAsyncServer(t, live.Options{}, b, nil)
	c := livetest.NewClient(t, srv, nil)

	// The task waits for an answer that never comes: the GET returns all
	// the same, with the value loading.
	p := c.Get("/async?load=1")
	if !p.Has("#stats.loading") {
		t.Fatalf("the static render does not show the value loading:\n%s", p.HTML())
	}
	// Without mount-once, the GET's task ends with the GET.
	if err := b.next(t).ended(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("the GET's task returned with its context %v, want canceled", err)
	}

	v := c.Join(p)
	if !v.Has("#stats.loading") {
		t.Fatalf("the connected view does not show the value loading:\n%s", v.HTML())
	}
	b.next(t).reply("42")
	v.AwaitAsync()
	if !v.Has("#stats.ok") || v.Text("#stats") != "42" {
		t.Fatalf("after the task:\n%s", v.HTML())
	}
	b.idle(t)
}

func TestMountOnceCarriesTheGETsTaskIntoTheConnectedView(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		beforeJoin   bool // the task finishes before the browser joins
		loadingFirst bool // the join's render shows the value loading
	}{
		{"A task that finishes before the join shows its value in the join's render.", true, false},
		{"A task that finishes after the join reaches the connected view.", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(false)
			srv := newAsyncServer(t, live.Options{MountOnce: true}, b, nil)
			c := livetest.NewClient(t, srv, nil)
			p := c.Get("/async?load=1")
			if !p.Has("#stats.loading") {
				t.Fatalf("the static render does not show the value loading:\n%s", p.HTML())
			}
			task := b.next(t)
			if tc.beforeJoin {
				task.reply("from the GET")
				waitTasks(t, srv, 0)
			}
			v := c.Join(p) // its Mount loads Stats again
			if got := v.Has("#stats.loading"); got != tc.loadingFirst {
				t.Fatalf("the join's render shows the value loading: %v, want %v\n%s", got, tc.loadingFirst, v.HTML())
			}
			if !tc.beforeJoin {
				task.reply("from the GET")
			}
			v.AwaitAsync()
			if got := v.Text("#stats"); got != "from the GET" {
				t.Fatalf("stats = %q, want the GET's task's value", got)
			}
			if err := task.ended(t); err != nil {
				t.Fatalf("the GET's task was cancelled: %v", err)
			}
			b.idle(t) // the task ran once
			if st := srv.Stats(); st.Adoptions != 1 {
				t.Fatalf("stats %+v, want one adoption", st)
			}
		})
	}
}

func TestARestartedTasksStaleResultIsDropped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// restart starts the task again while the first one, first, runs
		// or has finished, and returns the second.
		restart func(t *testing.T, srv *live.Server, v *livetest.View, b *backend, first *call) *call
	}{
		{"A result that arrives after the restart is dropped.", func(t *testing.T, srv *live.Server, v *livetest.View, b *backend, first *call) *call {
			v.Click("#do-reload")
			second := b.next(t)
			if err := first.ctx.Err(); !errors.Is(err, context.Canceled) {
				t.Fatalf("the first task's context: %v, want canceled", err)
			}
			first.reply("stale")
			waitTasks(t, srv, 1)
			return second
		}},
		{"A result already queued when the restart runs is dropped.", func(t *testing.T, srv *live.Server, v *livetest.View, b *backend, first *call) *call {
			// The view's goroutine waits in HandleInfo while the first
			// task finishes and queues its result, then restarts.
			gate := make(chan struct{})
			if err := srv.Send(v.ID(), restartAfter{gate}); err != nil {
				t.Fatal(err)
			}
			first.reply("stale")
			waitTasks(t, srv, 0)
			close(gate)
			return b.next(t)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(true)
			srv := newAsyncServer(t, live.Options{}, b, nil)
			v := livetest.Mount(t, srv, "/async")
			v.Click("#do-reload")
			first := b.next(t)
			second := tc.restart(t, srv, v, b, first)

			v.Sync("")
			if !v.Has("#stats.loading") {
				t.Fatalf("the stale result reached the view:\n%s", v.HTML())
			}
			second.reply("fresh")
			v.AwaitAsync()
			if got := v.Text("#stats"); got != "fresh" {
				t.Fatalf("stats = %q, want the restarted task's", got)
			}
		})
	}
}

func TestAViewThatEndsStopsItsTasks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		ignoreCtx bool
	}{
		{"A task that honours its context returns when the view ends.", false},
		{"A task that ignores its context runs on, and its result is dropped.", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(tc.ignoreCtx)
			ended := make(chan error, 1)
			srv := newAsyncServer(t, live.Options{}, b, ended)
			v := livetest.Mount(t, srv, "/async")
			v.Click("#do-report")
			task := b.next(t)
			v.Close()
			select {
			case <-ended:
			case <-time.After(livetest.Timeout):
				t.Fatal("the view did not end")
			}
			if err := task.ctx.Err(); !errors.Is(err, context.Canceled) {
				t.Fatalf("the task's context after the view ended: %v, want canceled", err)
			}
			if tc.ignoreCtx {
				task.reply("nobody reads this")
			}
			task.ended(t)
			// No goroutine is left behind (goleak checks the rest at exit).
			waitTasks(t, srv, 0)
		})
	}
}

func TestAParkedViewThatIsNeverAdoptedStopsItsTasks(t *testing.T) {
	t.Parallel()
	b := newBackend(false)
	srv := newAsyncServer(t, live.Options{MountOnce: true, ParkedFor: time.Millisecond}, b, nil)
	c := livetest.NewClient(t, srv, nil)
	c.Get("/async?load=1")
	first := b.next(t)
	time.Sleep(5 * time.Millisecond)
	c.Get("/async?load=1") // sweeps the expired view
	if err := first.ended(t); !errors.Is(err, context.Canceled) {
		t.Fatalf("the expired view's task returned with its context %v, want canceled", err)
	}
	// The second view stays parked: Shutdown, at the end of the test,
	// ends its task.
	b.next(t)
}

func TestShutdownWaitsForAsyncTasks(t *testing.T) {
	t.Parallel()
	b := newBackend(true)
	srv := newAsyncServer(t, live.Options{}, b, nil)
	v := livetest.Mount(t, srv, "/async")
	v.Click("#do-reload")
	task := b.next(t)

	// Long enough for the connections to close even on a busy machine
	// (Shutdown returns its first result again), not for the task.
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "async tasks still running") {
		t.Fatalf("Shutdown with a task that ignores its context: %v, want the tasks' deadline error", err)
	}
	task.reply("late")
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown once the task returned: %v", err)
	}
	if n := srv.Stats().AsyncTasks; n != 0 {
		t.Fatalf("%d tasks running after Shutdown", n)
	}
}

func TestAPanickingTaskFailsItsValueNotTheView(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	srv := newAsyncServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, newBackend(false), nil)
	v := livetest.Mount(t, srv, "/async")
	v.Click("#do-panic")
	v.AwaitAsync()
	if !v.Has("#stats.failed") || v.Text("#stats") != "panicked" {
		t.Fatalf("after a panicking task:\n%s", v.HTML())
	}
	v.Click("#do-inc")
	if got := v.Text("#n"); got != "1" {
		t.Fatalf("the view stopped answering: n = %q", got)
	}
	got := logs.errors()
	if len(got) != 1 || !strings.Contains(got[0], `msg="async task panicked"`) || !strings.Contains(got[0], "kaboom") {
		t.Fatalf("want one line about the panic, got:\n%s", strings.Join(got, "\n"))
	}
}

func TestStartAsyncHandsTheResultToItsHandler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		answer answer
		want   string
	}{
		{"A value reaches the handler.", answer{val: "ready"}, "ready"},
		{"An error reaches the handler.", answer{err: errors.New("backend down")}, "error: backend down"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(false)
			v := livetest.Mount(t, newAsyncServer(t, live.Options{}, b, nil), "/async")
			v.Click("#do-report")
			b.next(t).answer <- tc.answer
			v.AwaitAsync()
			if got := v.Text("#report"); got != tc.want {
				t.Fatalf("report = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestACancelledTaskIsStoppedAndDropped(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, start, cancel string
		sel, want           string
	}{
		{"CancelAsync stops a task and its handler is not called.", "#do-report", "#do-cancel-report", "#report", ""},
		{"Cancel stops a value's task and fails it.", "#do-reload", "#do-cancel", "#stats.failed", "canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b := newBackend(false)
			v := livetest.Mount(t, newAsyncServer(t, live.Options{}, b, nil), "/async")
			v.Click(tc.start)
			task := b.next(t)
			v.Click(tc.cancel)
			if err := task.ended(t); !errors.Is(err, context.Canceled) {
				t.Fatalf("the task returned with its context %v, want canceled", err)
			}
			v.AwaitAsync() // nothing is pending any more
			if got := v.Text(tc.sel); got != tc.want {
				t.Fatalf("%s = %q, want %q\n%s", tc.sel, got, tc.want, v.HTML())
			}
		})
	}
}

func TestATaskFillsAStream(t *testing.T) {
	t.Parallel()
	b := newBackend(false)
	v := livetest.Mount(t, newAsyncServer(t, live.Options{}, b, nil), "/async")
	v.Click("#do-rows")
	if n := v.Count("#rows li"); n != 0 {
		t.Fatalf("%d rows before the task finished", n)
	}
	b.next(t).reply("a,b,c")
	v.AwaitAsync()
	if got := v.Texts("#rows li"); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("rows %q", got)
	}
}

func TestManyTasksFinishingAtOnceDoNotOverflowTheMailbox(t *testing.T) {
	t.Parallel()
	// 200 results against a mailbox of 64: each in its own message, they
	// would overflow it and crash the view.
	v := livetest.Mount(t, newAsyncServer(t, live.Options{}, newBackend(false), nil), "/async")
	v.Click("#do-many")
	v.AwaitAsync()
	if got := v.Text("#n"); got != "200" {
		t.Fatalf("n = %q, want every task's result", got)
	}
}
