package live_test

import (
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
)

// flatCards streams the cards of cardFeed without components: the view
// keeps every card's likes and updates the liked card's item itself.
type flatCards struct {
	posts *live.Stream[post]
	likes map[int]int
}

func (v *flatCards) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	var n int
	fmt.Sscan(params.Get("n"), &n)
	v.likes = map[int]int{}
	v.posts = live.NewStream(s, "cards", func(p post) string { return fmt.Sprintf("card-%d", p.ID) })
	for i := 1; i <= n; i++ {
		v.posts.Insert(post{ID: i, Body: fmt.Sprintf("post %d", i)})
	}
	return nil
}

func (v *flatCards) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, `<p id="ticks">0</p><button id="tick" live-click="tick">tick</button><ul id="cards" live-update="stream">`)
		for _, it := range v.posts.Items() {
			c := &likeCard{ID: it.Value.ID, Body: it.Value.Body, likes: v.likes[it.Value.ID]}
			var b strings.Builder
			if err := c.Render().Render(ctx, &b); err != nil {
				return err
			}
			// The attribute a component's root gets, for the same HTML.
			io.WriteString(w, strings.Replace(b.String(), "<li ", `<li live-component="`+it.ID+`" `, 1))
		}
		_, err := io.WriteString(w, `</ul>`)
		return err
	})
}

func (v *flatCards) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	var id int
	fmt.Sscan(ev.Value("id"), &id)
	v.likes[id]++
	v.posts.Update(post{ID: id, Body: fmt.Sprintf("post %d", id)})
	return nil
}

// BenchmarkStreamedCardLike likes one card of a stream of 200, each card a
// component (the event goes to it, which renders alone) or not (the view
// handles it and updates the item in its stream): the same stream
// operation reaches the client either way. B/op is as in
// BenchmarkRowClick.
func BenchmarkStreamedCardLike(b *testing.B) {
	for _, bc := range []struct {
		name      string
		component string
	}{{"components", "card-7"}, {"view updates the item", ""}} {
		b.Run(bc.name, func(b *testing.B) {
			srv, _ := newServer(b, live.Options{EventsPerSecond: -1, Limits: channel.Limits{EventsPerSecond: -1}}, nil)
			srv.Page("/cards", func() live.View {
				if bc.component == "" {
					return &flatCards{}
				}
				return &cardFeed{ended: &endings{why: map[string]error{}}}
			})
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c := joinBench(b, ts, "/cards?n=200")
			joined := c.bytes.Load()
			ev := wire.Event{Type: wire.TypeClick, Name: "like", Values: url.Values{"id": {"7"}}, Component: bc.component}.AppendJSON(nil)
			n := 1
			cpu0 := cpuTime()
			for b.Loop() {
				n++
				ref := fmt.Sprint(n)
				c.send(ref, wire.ClientEvent, ev)
				if got := <-c.replies; got != ref {
					b.Fatalf("reply to %s, want %s", got, ref)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n-1), "cpu-µs/click")
			c.close()
			b.ReportMetric(float64(c.bytes.Load()-joined)/float64(n-1), "wire-B/click")
		})
	}
}
