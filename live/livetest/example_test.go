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
	"github.com/templive/templive/pubsub"
)

// Counter is the view under test.
type Counter struct{ N int }

func (c *Counter) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (c *Counter) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p id="count">%d</p><button id="inc" live-click="inc">+</button>`, c.N)
		return err
	})
}

func (c *Counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "inc" {
		c.N++
	}
	return nil
}

func (c *Counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if n, ok := msg.(int); ok {
		c.N = n
	}
	return nil
}

// newServer is what a test of an application's views starts with.
func newServer(t testing.TB) *live.Server {
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := live.NewServer(live.Options{Secret: []byte(strings.Repeat("x", 32)), PubSub: ps})
	srv.Page("/counter", func() live.View { return &Counter{} })
	t.Cleanup(func() {
		srv.Shutdown(context.Background())
		ps.Close()
	})
	return srv
}

// A test mounts the view, clicks, and reads the page, with no browser.
// (TestCounterClicks below runs exactly this.)
func ExampleMount() {
	var t *testing.T // the test's own
	v := livetest.Mount(t, newServer(t), "/counter")
	v.Click("#inc")
	v.Click("#inc")
	fmt.Println(v.Text("#count"))
	v.Send(40) // as a PubSub message would arrive
	fmt.Println(v.Text("#count"))
}

func TestCounterClicks(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newServer(t), "/counter")
	v.Click("#inc")
	v.Click("#inc")
	if got := v.Text("#count"); got != "2" {
		t.Fatalf("count = %s, want 2", got)
	}
	v.Send(40)
	if got := v.Text("#count"); got != "40" {
		t.Fatalf("count = %s, want 40", got)
	}
}

func TestSelectorsMatchLikeCSS(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newServer(t), "/counter")
	tests := []struct {
		sel  string
		want int
	}{
		{"p", 1},
		{"#count", 1},
		{"button#inc[live-click=inc]", 1},
		{`button[live-click="inc"]`, 1},
		{"button[live-click=dec]", 0},
		{"* > p", 0}, // p sits at the root, under no element
		{"p#inc", 0},
		{"[live-click]", 1},
	}
	for _, tt := range tests {
		if got := v.Count(tt.sel); got != tt.want {
			t.Errorf("Count(%q) = %d, want %d", tt.sel, got, tt.want)
		}
	}
}

func TestTheStaticRenderIsReadableWithoutConnecting(t *testing.T) {
	t.Parallel()
	c := livetest.NewClient(t, newServer(t), nil)
	p := c.Get("/counter")
	if !p.Live() || p.Text("#count") != "0" {
		t.Fatalf("static render: live %v, html %s", p.Live(), p.HTML())
	}
	if c.Get("/nowhere").Status != 404 {
		t.Fatal("an unknown path is not a 404")
	}
}
