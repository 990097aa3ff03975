package live_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// recovering is a view with three forms that form recovery treats each its
// own way, and a log of the events it handled.
type recovering struct {
	log []string
}

func (v *recovering) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *recovering) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<form id="plain" live-change="plain"><input name="a"></form>`+
			`<form id="pager" live-change="filter" live-auto-recover="ignore"><input name="b"></form>`+
			`<form id="draft" live-change="typing" live-auto-recover="restore"><input name="c"></form>`+
			`<form id="cmds" live-change="%s"><input name="d"></form>`+
			`<form id="local" live-change="%s"><input name="e"></form>`+
			`<p id="log">%s</p>`,
			templ.EscapeString(live.JS().AddClass("busy", "").Push("check", url.Values{"x": {"1"}}).Push("again", nil).String()),
			templ.EscapeString(live.JS().AddClass("busy", "").String()),
			templ.EscapeString(strings.Join(v.log, " ")))
		return err
	})
}

func (v *recovering) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.log = append(v.log, ev.Type+":"+ev.Name+":"+ev.Values.Encode())
	return nil
}

func TestFormRecoveryFollowsLiveAutoRecover(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/recovering", func() live.View { return &recovering{} })
	v := livetest.Mount(t, srv, "/recovering")
	v.RejoinWith(map[string]any{"form": map[string]string{"plain": "a=1", "pager": "b=2", "draft": "c=3", "cmds": "d=4", "local": "e=5"}})
	// Forms are replayed in the order of their ids. A live-change that holds
	// client commands replays the event of its first push, with the push's
	// values after the form's, as the browser sends it; one with no push
	// replays nothing.
	want := "change:check:d=4&x=1 change:restore:c=3 change:plain:a=1"
	if got := v.Text("#log"); got != want {
		t.Fatalf("events replayed on rejoin: %q, want %q (the ignored form not at all)", got, want)
	}
}
