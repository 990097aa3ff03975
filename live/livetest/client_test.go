package livetest_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"testing"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// ticker re-renders every millisecond, each time pushing a diff the test
// never reads.
type ticker struct{ n int }

type tick struct{}

func (v *ticker) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	s.SendAfter(time.Millisecond, tick{})
	return nil
}

func (v *ticker) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p id="n">%d</p>`, v.n)
		return err
	})
}

func (v *ticker) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(tick); ok {
		v.n++
		s.SendAfter(time.Millisecond, tick{})
	}
	return nil
}

func TestCloseReturnsWhileTheViewPushesFramesNobodyReads(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Page("/ticker", func() live.View { return &ticker{} })
	v := livetest.Mount(t, srv, "/ticker")
	// Long enough for more pushes than the View buffers.
	time.Sleep(1500 * time.Millisecond)
	closed := make(chan struct{})
	go func() {
		v.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(livetest.Timeout):
		t.Fatalf("Close did not return within %s", livetest.Timeout)
	}
}
