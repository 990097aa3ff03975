package live_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// logBuffer collects what a text handler writes, safe for the goroutines
// that log.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// errors returns the lines logged at level ERROR.
func (l *logBuffer) errors() []string { return l.at("ERROR") }

// warnings returns the lines logged at level WARN.
func (l *logBuffer) warnings() []string { return l.at("WARN") }

// at returns the lines logged at level.
func (l *logBuffer) at(level string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.Lines(l.b.String()) {
		if strings.Contains(line, "level="+level+" ") {
			out = append(out, line)
		}
	}
	return out
}

func TestACrashIsLoggedOnceWithTheViewAndTheCause(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, event, want string
	}{
		{"An event handler's error.", "fail", "event failed"},
		{"A panic in an event handler.", "crash", "panic: boom"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			ended := make(chan error, 1)
			srv, _ := newServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, func() live.View { return &counter{ended: ended} })
			v := livetest.Mount(t, srv, "/counter")
			if err := v.TryEvent(live.EventClick, tc.event, nil); err == nil {
				t.Fatal("the view did not crash")
			}
			var reason error
			select {
			case reason = <-ended:
			case <-time.After(livetest.Timeout):
				t.Fatal("Terminate not called")
			}
			if !errors.Is(reason, live.ErrViewCrashed) {
				t.Errorf("Terminate got %v, want ErrViewCrashed", reason)
			}
			if msg := reason.Error(); strings.Count(msg, "crashed") != 1 || !strings.Contains(msg, tc.want) {
				t.Errorf("the reason reads %q: want %q once, with one \"crashed\"", msg, tc.want)
			}
			got := logs.errors()
			if len(got) != 1 {
				t.Fatalf("%d ERROR lines, want 1:\n%s", len(got), strings.Join(got, "\n"))
			}
			for _, want := range []string{`msg="channel crashed"`, `op="HandleEvent \"` + tc.event + `\""`, "channel.route=/counter", tc.want, "layer=channel"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("the line %q lacks %q", got[0], want)
				}
			}
		})
	}
}

// opNamer crashes in the callback ?in= names, once the test asks for it
// with a click on "go" (or with the message boom, for HandleInfo).
type opNamer struct {
	in    string
	armed bool
}

// boom is the message a HandleInfo crashes on.
type boom struct{}

func (v *opNamer) Mount(ctx context.Context, s *live.Socket, p url.Values) error {
	v.in = p.Get("in")
	return nil
}

func (v *opNamer) HandleParams(ctx context.Context, s *live.Socket, p url.Values) error {
	if v.in == "HandleParams" && p.Get("page") != "" {
		panic("boom")
	}
	return nil
}

func (v *opNamer) Render() templ.Component {
	if v.in == "Render" && v.armed {
		panic("boom")
	}
	return templ.Raw(`<p>x</p>`)
}

func (v *opNamer) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.armed = true
	switch {
	case v.in == "HandleEvent":
		panic("boom")
	case v.in == "HandleParams":
		s.PushPatch("/counter?in=HandleParams&page=2")
	case v.in == "StartAsync":
		live.StartAsync(s, "load", func(ctx context.Context) (int, error) { return 1, nil },
			func(ctx context.Context, s *live.Socket, n int, err error) error { panic("boom") })
	}
	return nil
}

func (v *opNamer) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(boom); ok {
		panic("boom")
	}
	return nil
}

// A crash's line names the callback the user wrote, and what it ran for,
// not the channel's callback that called it: every live event reaches
// HandleIn "event", and every render runs in Drained.
func TestACrashIsLoggedWithTheCallbackTheUserWrote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, op string
	}{
		{"A panic in HandleEvent names the event.", "HandleEvent", `op="HandleEvent \"go\""`},
		{"A panic in Render names Render.", "Render", "op=Render"},
		{"A panic in HandleInfo names the message's type.", "HandleInfo", `op="HandleInfo live_test.boom"`},
		{"A panic in HandleParams after a PushPatch names HandleParams.", "HandleParams", "op=HandleParams"},
		{"A panic in the handler of StartAsync names the task.", "StartAsync", `op="StartAsync \"load\""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			logs := &logBuffer{}
			srv, _ := newServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, func() live.View { return &opNamer{} })
			v := livetest.Mount(t, srv, "/counter?in="+tc.in)
			if tc.in == "HandleInfo" {
				if err := srv.Send(v.ID(), boom{}); err != nil {
					t.Fatal(err)
				}
			} else if err := v.TryEvent(live.EventClick, "go", nil); err == nil && tc.in != "StartAsync" {
				t.Fatal("the view did not crash")
			}
			deadline := time.Now().Add(livetest.Timeout)
			for len(logs.errors()) == 0 && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			got := logs.errors()
			if len(got) != 1 {
				t.Fatalf("%d ERROR lines, want 1:\n%s", len(got), strings.Join(got, "\n"))
			}
			for _, want := range []string{`msg="channel crashed"`, tc.op + " ", `err="panic: boom"`, "stack="} {
				if !strings.Contains(got[0], want) {
					t.Errorf("the line lacks %q: %.300s", want, got[0])
				}
			}
		})
	}
}

// mountPanicker panics in every Mount, the GET's too.
type mountPanicker struct{}

func (v *mountPanicker) Mount(ctx context.Context, s *live.Socket, p url.Values) error {
	panic("mount boom")
}

func (v *mountPanicker) Render() templ.Component { return templ.Raw("<p>x</p>") }

// On the GET no channel logs the crash: the page's handler does, once,
// with what a crash's line has.
func TestAPanicInTheMountOfAGETIsLoggedOnceWithItsStack(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	srv, _ := newServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, func() live.View { return &mountPanicker{} })
	if p := livetest.NewClient(t, srv, nil).Get("/counter"); p.Status != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", p.Status)
	}
	got := logs.errors()
	if len(got) != 1 {
		t.Fatalf("%d ERROR lines, want 1:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, want := range []string{`msg="mount failed"`, "layer=live", "route=/counter", "op=Mount ", `err="panic: mount boom"`, "stack="} {
		if !strings.Contains(got[0], want) {
			t.Errorf("the line lacks %q: %.300s", want, got[0])
		}
	}
}

// terminatePanicker panics when it is told it ended.
type terminatePanicker struct{}

func (v *terminatePanicker) Mount(ctx context.Context, s *live.Socket, p url.Values) error {
	return nil
}

func (v *terminatePanicker) Render() templ.Component { return templ.Raw("<p>x</p>") }

func (v *terminatePanicker) Terminate(reason error) { panic("terminate boom") }

// Nothing is left to crash when Terminate panics: the runtime logs it,
// with the view, and goes on.
func TestAPanicInTerminateIsLoggedWithTheView(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	srv, _ := newServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, func() live.View { return &terminatePanicker{} })
	v := livetest.Mount(t, srv, "/counter")
	v.Close()
	deadline := time.Now().Add(livetest.Timeout)
	for len(logs.errors()) == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	got := logs.errors()
	if len(got) != 1 {
		t.Fatalf("%d ERROR lines, want 1:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, want := range []string{`msg="view Terminate panicked"`, "layer=live", "route=/counter", "id=" + v.ID(), `panic="terminate boom"`, "stack="} {
		if !strings.Contains(got[0], want) {
			t.Errorf("the line lacks %q: %.300s", want, got[0])
		}
	}
}
