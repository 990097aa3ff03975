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

// flatRows renders the markup of rows with the same 200 rows, without
// components: the view keeps every row's count and handles their events.
type flatRows struct {
	ids []string
	n   map[string]int
}

func (v *flatRows) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.ids, v.n = strings.Split(params.Get("ids"), ","), map[string]int{}
	return nil
}

func (v *flatRows) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, `<ul>`)
		for _, id := range v.ids {
			r := &row{ID: id, Label: "row " + id, n: v.n[id], mounts: 1}
			var b strings.Builder
			if err := r.Render().Render(ctx, &b); err != nil {
				return err
			}
			// The attribute a component's root gets, for the same HTML.
			io.WriteString(w, strings.Replace(b.String(), "<li ", `<li live-component="`+id+`" `, 1))
		}
		_, err := io.WriteString(w, `</ul>`)
		return err
	})
}

func (v *flatRows) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.n[ev.Value("row")]++
	return nil
}

// BenchmarkRowClick clicks one row of 200, each a component (the event
// goes to it) or not (the view handles it): event decoding, the callback,
// render, parse, diff, encoding and a loopback WebSocket both ways; B/op
// is the bytes the client received per click, cpu-µs/click the CPU time
// of the process, test client included.
func BenchmarkRowClick(b *testing.B) {
	ids := make([]string, 200)
	for i := range ids {
		ids[i] = fmt.Sprint("r", i)
	}
	path := "/rows?ids=" + strings.Join(ids, ",")
	for _, bc := range []struct {
		name      string
		component string
	}{{"components", "r7"}, {"one view", ""}} {
		b.Run(bc.name, func(b *testing.B) {
			srv, _ := newServer(b, live.Options{EventsPerSecond: -1, Limits: channel.Limits{EventsPerSecond: -1}}, nil)
			srv.Page("/rows", func() live.View {
				if bc.component == "" {
					return &flatRows{}
				}
				return &rows{ended: &endings{why: map[string]error{}}}
			})
			ts := httptest.NewServer(srv)
			defer ts.Close()
			c := joinBench(b, ts, path)
			joined := c.bytes.Load()
			ev := wire.Event{Type: wire.TypeClick, Name: "inc", Values: url.Values{"by": {"1"}, "row": {"r7"}}, Component: bc.component}.AppendJSON(nil)
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
			// The test client's work counts too: it runs in this process.
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n-1), "cpu-µs/click")
			c.close()
			b.ReportMetric(float64(c.bytes.Load()-joined)/float64(n-1), "wire-B/click")
		})
	}
}
