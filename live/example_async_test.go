package live_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// Visits is what the slow report service returns.
type Visits struct{ Today int }

// fetchVisits stands for an API call: it honours ctx, so it stops when the
// view ends or the task is restarted.
func fetchVisits(ctx context.Context, site string) (Visits, error) {
	select {
	case <-time.After(time.Second):
		return Visits{Today: 42}, nil
	case <-ctx.Done():
		return Visits{}, ctx.Err()
	}
}

// Dashboard loads its numbers without making the page wait for them.
type Dashboard struct {
	Visits live.Async[Visits]
	site   string
}

func (d *Dashboard) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	d.site = params.Get("site")
	d.load(s)
	return nil
}

// load starts (or restarts) the task. The task must not touch d: it gets
// the site in a variable of its own.
func (d *Dashboard) load(s *live.Socket) {
	site := d.site
	d.Visits.Load(s, func(ctx context.Context) (Visits, error) {
		return fetchVisits(ctx, site)
	})
}

func (d *Dashboard) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name == "retry" { // <button live-click="retry">
		d.load(s)
	}
	return nil
}

func (d *Dashboard) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		var err error
		switch v := d.Visits; {
		case v.Loading():
			_, err = io.WriteString(w, `<p class="loading">Loading…</p>`)
		case v.Failed():
			_, err = io.WriteString(w, `<p class="error">Not available. <button live-click="retry">Retry</button></p>`)
		case v.OK():
			_, err = fmt.Fprintf(w, `<p>%d visits today</p>`, v.Value.Today)
		}
		return err
	})
}

// A view loads a slow value with Async.Load: the page renders at once with
// the value loading, and again when it arrives.
func ExampleAsync_Load() {
	srv := live.NewServer(live.Options{ /* Secret, PubSub */ })
	srv.Page("/dashboard", func() live.View { return &Dashboard{} })
}
