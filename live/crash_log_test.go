package live_test

import (
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

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
func (l *logBuffer) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for line := range strings.Lines(l.b.String()) {
		if strings.Contains(line, "level=ERROR") {
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
			for _, want := range []string{`msg="channel crashed"`, `op="HandleIn \"event\""`, "channel.route=/counter", tc.want, "layer=channel"} {
				if !strings.Contains(got[0], want) {
					t.Errorf("the line %q lacks %q", got[0], want)
				}
			}
		})
	}
}
