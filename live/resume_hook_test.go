package live_test

import (
	"context"
	"io"
	"net/url"
	"strconv"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// saver answers its hook's "save" with the number of saves so far.
type saver struct{ saves int }

func (v *saver) Mount(ctx context.Context, s *live.Socket, _ url.Values) error { return nil }

func (v *saver) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, `<p id="saves">`+strconv.Itoa(v.saves)+`</p>`)
		return err
	})
}

func (v *saver) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "save" {
		v.saves++
		s.Reply(map[string]int{"id": v.saves})
	}
	return nil
}

// A hook's event handled before the connection dropped, whose reply was
// lost with it, is not handled again when the page resends it after a
// resume, and the hook still gets the reply it asked for.
func TestAHookEventResentAfterADropGetsItsReply(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/save", func() live.View { return &saver{} })
	v := livetest.Mount(t, srv, "/save")
	v.SendEvent(live.EventHook, "save", nil)
	waitFor(t, "the save is handled", func() bool { return srv.Stats().Events == 1 })
	v.Drop()
	if !v.Resume() {
		t.Fatal("remounted, want resumed")
	}
	if got := v.Text("#saves"); got != "1" {
		t.Fatalf("saves = %s, want 1", got)
	}
	replies := v.ResentReplies()
	if len(replies) != 1 || string(replies[0]) != `{"id":1}` {
		t.Fatalf("the resent hook event was answered with %q, want [{\"id\":1}]", replies)
	}
}
