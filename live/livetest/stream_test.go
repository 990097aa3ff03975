package livetest_test

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

// spacedList is a stream rendered the way an indented template renders
// it: its items separated by whitespace text, which the browser keeps
// between them but does not count as items.
type spacedList struct {
	items *live.Stream[int]
}

// addItem asks the list to insert an item at a position.
type addItem struct{ N, At int }

func (v *spacedList) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.items = live.NewStream(s, "s", func(n int) string { return fmt.Sprintf("s-%d", n) })
	v.items.SetLimit(3)
	v.items.Reset(3, 2, 1)
	return nil
}

func (v *spacedList) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, `<ul id="s" live-update="stream">`)
		for _, it := range v.items.Items() {
			fmt.Fprintf(w, "\n<li id=\"%s\">%d</li>", it.ID, it.Value)
		}
		_, err := io.WriteString(w, "\n</ul>")
		return err
	})
}

func (v *spacedList) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(addItem); ok {
		v.items.InsertAt(m.At, m.N)
	}
	return nil
}

func TestStreamOperationsCountItemsNotTextLikeTheBrowser(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Page("/spaced", func() live.View { return &spacedList{} })
	v := livetest.Mount(t, srv, "/spaced")
	li := func(n int) string { return fmt.Sprintf(`<li id="s-%d">%d</li>`, n, n) }
	list := func(nodes ...string) string {
		return `<ul id="s" live-update="stream">` + strings.Join(nodes, "") + `</ul>`
	}
	if got, want := v.HTML(), list("\n", li(3), "\n", li(2), "\n", li(1), "\n"); got != want {
		t.Fatalf("first render:\n got %q\nwant %q", got, want)
	}

	// What the browser keeps (js/src/stream.js): the insert goes before the
	// first item, after the text that precedes it, and the limit of 3
	// removes the last item, not text.
	v.Send(addItem{N: 4, At: 0})
	if got, want := v.HTML(), list("\n", li(4), li(3), "\n", li(2), "\n", "\n"); got != want {
		t.Fatalf("after InsertAt(0) with a limit of 3:\n got %q\nwant %q", got, want)
	}

	// Position 1 is before the second item, whatever text precedes it.
	v.Send(addItem{N: 5, At: 1})
	if got, want := v.HTML(), list("\n", li(4), li(5), li(3), "\n", "\n", "\n"); got != want {
		t.Fatalf("after InsertAt(1) with a limit of 3:\n got %q\nwant %q", got, want)
	}
}
