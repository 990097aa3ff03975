package live_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// nested renders a form inside a form, which the browser cannot receive as
// a patch: parsed in place, the inner form is dropped.
type nested struct{ n int }

func (v *nested) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *nested) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		// The inner form's id changes on every click, so the patch replaces
		// it with its HTML, which parses in place without the form: two
		// inputs where the server's render has one form.
		_, err := fmt.Fprintf(w, `<form id="a"><div><form></form><form id="f%d"><input name="y"><input name="z"></form><span id="s">%d</span></div></form><p id="n">%d</p><button id="b" live-click="inc">+</button>`, v.n, v.n, v.n)
		return err
	})
}

func (v *nested) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.n++
	return nil
}

func TestMarkupThatCannotTravelAsAPatchDoesNotDerailLaterPatches(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, live.Options{}, nil)
	srv.Page("/nested", func() live.View { return &nested{} })
	v := livetest.Mount(t, srv, "/nested")
	for i := 1; i <= 3; i++ {
		v.Click("#b")
		if got := v.Text("#n") + v.Text("#s"); got != fmt.Sprint(i)+fmt.Sprint(i) {
			t.Fatalf("after click %d: n = %q\n%s", i, got, v.HTML())
		}
	}
}

// The runtime's own warnings about a view come from the live layer and
// name the view, as its crashes do.
func TestARenderSentWholeIsLoggedWithTheView(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	srv, _ := newServer(t, live.Options{Logger: slog.New(slog.NewTextHandler(logs, nil))}, nil)
	srv.Page("/nested", func() live.View { return &nested{} })
	v := livetest.Mount(t, srv, "/nested")
	v.Click("#b")
	got := logs.warnings()
	if len(got) != 1 {
		t.Fatalf("%d WARN lines, want 1:\n%s", len(got), strings.Join(got, "\n"))
	}
	for _, want := range []string{"layer=live", "route=/nested", "id=" + v.ID(), "topic=lv:" + v.ID()} {
		if !strings.Contains(got[0], want) {
			t.Errorf("the line %q lacks %q", got[0], want)
		}
	}
}
