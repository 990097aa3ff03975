package live_test

import (
	"context"
	"io"
	"net/url"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// announcer pushes an event, and changes nothing it renders, for every
// say message; rendered hears each render.
type announcer struct{ rendered chan struct{} }

type say struct{}

func (v *announcer) Mount(ctx context.Context, s *live.Socket, _ url.Values) error { return nil }

func (v *announcer) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		select {
		case v.rendered <- struct{}{}:
		default:
		}
		_, err := io.WriteString(w, `<p>same</p>`)
		return err
	})
}

func (v *announcer) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(say); ok {
		s.PushEvent("said", map[string]int{"n": 1})
	}
	return nil
}

// An event the view pushed, in a render without a patch, that the page
// lost with its connection reaches it with the resume, as a render with
// a patch does.
func TestAPushedEventLostWithTheConnectionArrivesOnResume(t *testing.T) {
	t.Parallel()
	rendered := make(chan struct{}, 1)
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/say", func() live.View { return &announcer{rendered: rendered} })
	v := livetest.Mount(t, srv, "/say")
	<-rendered // the join's
	if err := srv.Send(v.ID(), say{}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rendered:
	case <-t.Context().Done():
	}
	// The push follows the render at once; the page never reads it.
	v.Drop()
	if !v.Resume() {
		t.Fatal("remounted, want resumed")
	}
	v.Sync("")
	if ev := v.Events(); len(ev) != 1 || ev[0].Name != "said" {
		t.Fatalf("events after the resume: %v, want said once", ev)
	}
}
