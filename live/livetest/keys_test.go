package livetest_test

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

// search answers a live-keyup on its field with what the field held.
type search struct{ q, key, page string }

func (v *search) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *search) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<input id="q" live-keyup="search" live-keydown="search" live-value-page="2"><p id="got">%s %s %s</p>`,
			templ.EscapeString(v.q), templ.EscapeString(v.key), templ.EscapeString(v.page))
		return err
	})
}

func (v *search) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.q, v.key, v.page = ev.Value("value"), ev.Type+":"+ev.Key, ev.Value("page")
	return nil
}

func TestKeyEventsInAFieldCarryWhatItHolds(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Page("/search", func() live.View { return &search{} })
	v := livetest.Mount(t, srv, "/search")
	v.KeyUpIn("#q", "o", "templ go")
	if got := v.Text("#got"); got != "templ go keyup:o 2" {
		t.Fatalf("after KeyUpIn: %q", got)
	}
	v.KeyDownIn("#q", "Enter", "templive")
	if got := v.Text("#got"); got != "templive keydown:Enter 2" {
		t.Fatalf("after KeyDownIn: %q", got)
	}
}
