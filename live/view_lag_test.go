package live_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// tally counts the ones it receives; as a Lagger it also counts those it
// missed. Its first message waits on gate, so that a test can overflow
// its mailbox.
type tally struct {
	got, missed int
	mounts      *atomic.Int64
	gate        chan struct{}
}

// laggingTally is a tally that catches up.
type laggingTally struct{ tally }

func (v *tally) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if s.Connected() {
		v.mounts.Add(1)
	}
	return nil
}

func (v *tally) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p id="got">%d</p><p id="missed">%d</p>`, v.got, v.missed)
		return err
	})
}

func (v *tally) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if v.gate != nil {
		<-v.gate
		v.gate = nil
	}
	if n, ok := msg.(int); ok {
		v.got += n
	}
	return nil
}

func (v *laggingTally) Lagged(ctx context.Context, s *live.Socket, dropped uint64) error {
	v.missed += int(dropped)
	return nil
}

func TestAViewThatFallsBehindCatchesUpOrIsRemounted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		lagger  bool
		remount bool
	}{
		{"a Lagger catches up and stays", true, false},
		{"a view that is not a Lagger is remounted", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mounts atomic.Int64
			gate := make(chan struct{})
			srv, _ := newServer(t, live.Options{}, nil)
			srv.Page("/tally", func() live.View {
				v := tally{mounts: &mounts, gate: gate}
				if tt.lagger {
					return &laggingTally{v}
				}
				return &v
			})
			v := livetest.Mount(t, srv, "/tally")

			// A burst larger than the mailbox while the view is busy.
			const burst = 3 * live.DefaultViewMailbox
			for range burst {
				srv.Send(v.ID(), 1) // fails once the mailbox is full
			}
			close(gate)
			// The mailbox refuses until the view has dealt with the gap; a
			// refused message counts as missed too.
			refused := 0
			deadline := time.Now().Add(livetest.Timeout)
			for {
				err := srv.Send(v.ID(), "after")
				if err == nil || errors.Is(err, live.ErrNoView) {
					break
				}
				refused++
				if time.Now().After(deadline) {
					t.Fatalf("the mailbox still refuses: %v", err)
				}
				time.Sleep(time.Millisecond)
			}

			err := v.TryEvent(live.EventClick, "nothing", nil)
			if crashed := err != nil && strings.Contains(err.Error(), "crashed"); crashed != tt.remount {
				t.Fatalf("after the overflow: %v", err)
			}
			if tt.remount {
				return
			}
			v.Sync("")
			got, missed := atoi(t, v.Text("#got")), atoi(t, v.Text("#missed"))
			if missed == 0 || got+missed != burst+refused {
				t.Fatalf("%d handled and %d missed, want %d in all", got, missed, burst+refused)
			}
			if n := mounts.Load(); n != 1 {
				t.Fatalf("mounted %d times while connected", n)
			}
		})
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}
