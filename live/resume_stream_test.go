package live_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// tickerFeed streams every post of the "ticks" topic, keeping the last
// ten on the page.
type tickerFeed struct {
	ticks *live.Stream[int]
	ended chan error
}

type tick int

// burst inserts ticks 0 to n-1 at once.
type burst int

func (v *tickerFeed) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	v.ticks = live.NewStream(s, "ticks", func(n int) string { return fmt.Sprintf("t-%d", n) })
	v.ticks.SetLimit(-10)
	if s.Connected() {
		return s.Subscribe("ticks")
	}
	return nil
}

func (v *tickerFeed) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, `<ul id="ticks" live-update="stream">`)
		for _, it := range v.ticks.Items() {
			fmt.Fprintf(w, `<li id="%s">%d</li>`, it.ID, it.Value)
		}
		_, err := io.WriteString(w, `</ul>`)
		return err
	})
}

func (v *tickerFeed) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	switch m := msg.(type) {
	case tick:
		v.ticks.Insert(int(m))
	case burst:
		for i := range int(m) {
			v.ticks.Insert(i)
		}
	}
	return nil
}

func (v *tickerFeed) Terminate(reason error) {
	select {
	case v.ended <- reason:
	default:
	}
}

// A parked view does not render, so what its streams insert waits for
// the resume; a busy topic must not grow that without bound. Past a
// bound the view ends, and its page remounts.
func TestAParkedViewsStreamDoesNotGrowWithoutBound(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/ticks", func() live.View { return &tickerFeed{ended: ended} })
	v := livetest.Mount(t, srv, "/ticks")
	v.Drop()
	waitResumable(t, srv, 1)
	// One message inserts more than a resume is worth sending.
	if err := srv.Send(v.ID(), burst(300)); err != nil {
		t.Fatal(err)
	}
	waitResumable(t, srv, 0)
	err := awaitReason(t, ended)
	if err == nil {
		t.Fatal("the parked view ended without a reason")
	}
	if v.Resume() {
		t.Fatal("resumed a view that ended")
	}
}

// What a parked view's stream inserted while its page was away reaches
// the page with the resume, trimmed to the stream's limit.
func TestAResumeSendsWhatAParkedViewsStreamInserted(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/ticks", func() live.View { return &tickerFeed{ended: make(chan error, 1)} })
	v := livetest.Mount(t, srv, "/ticks")
	if err := srv.Send(v.ID(), tick(-1)); err != nil {
		t.Fatal(err)
	}
	v.Sync("")
	v.Drop()
	waitResumable(t, srv, 1)
	for i := range 15 {
		if err := srv.Send(v.ID(), tick(i)); err != nil {
			t.Fatal(err)
		}
	}
	if !v.Resume() {
		t.Fatal("remounted, want resumed")
	}
	v.SyncUntil("the ticks sent while parked", func() bool { return v.Count("#t-14") == 1 })
	if n := v.Count("#ticks li"); n != 10 {
		t.Fatalf("%d ticks on the page, want the limit's 10:\n%s", n, v.HTML())
	}
	if v.Count("#t--1") != 0 || v.Count("#t-4") != 0 || v.Count("#t-5") != 1 {
		t.Fatalf("the page keeps the wrong ticks:\n%s", v.HTML())
	}
}
