package main

import (
	"context"
	"errors"
	"net/url"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// panelTimings is how long the panels' fake backends take to answer; a
// zero field means the demo's own figure. Tests shorten them.
type panelTimings struct {
	Visitors, Revenue, Forecast, Signups time.Duration
}

// withDefaults fills the zero fields: the revenue report is the slow one.
func (t panelTimings) withDefaults() panelTimings {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	return panelTimings{
		Visitors: or(t.Visitors, 300*time.Millisecond),
		Revenue:  or(t.Revenue, 1500*time.Millisecond),
		Forecast: or(t.Forecast, 600*time.Millisecond),
		Signups:  or(t.Signups, 800*time.Millisecond),
	}
}

// Revenue is the slow report's answer.
type Revenue struct {
	Total, Period string
}

// NewUser is one row of the sign-ups panel, a stream filled by a task.
type NewUser struct {
	Name, When string
}

// Panels is a dashboard whose panels load on goroutines of their own: the
// page renders at once with every panel loading, each panel fills in when
// its data arrives, a slow one holds up none of the others, and a failed
// one offers a retry. With mount-once (the demo's setting), the tasks the
// page's GET started carry on into the connected view instead of running
// twice.
type Panels struct {
	Visitors       live.Async[int]
	Revenue        live.Async[Revenue]
	Forecast       live.Async[string]
	Signups        *live.Stream[NewUser]
	SignupsLoading bool
	SignupsProblem string

	retried bool // the forecast's backend fails until the visitor retries
	timings panelTimings
}

// Mount starts every panel's task. The adopted Mount of mount-once runs
// the same code: the tasks the GET started are kept, not restarted.
func (p *Panels) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	s.SetTitle("Panels · templive demo")
	p.Signups = live.NewStream(s, "signups", func(u NewUser) string { return "signup-" + u.Name })
	p.loadVisitors(s)
	p.loadRevenue(s)
	p.loadForecast(s)
	p.loadSignups(s)
	return nil
}

// Render shows the panels.
func (p *Panels) Render() templ.Component { return panelsView(p) }

// HandleEvent refreshes the slow panel (restarting its task: a result of
// the one before is dropped) and retries the failed one.
func (p *Panels) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "refresh-revenue":
		p.loadRevenue(s)
	case "retry-forecast":
		p.retried = true
		p.loadForecast(s)
	}
	return nil
}

// The load methods start the tasks. A task runs concurrently with the
// view, so it gets what it needs in variables and never touches p.

func (p *Panels) loadVisitors(s *live.Socket) {
	d := p.timings.Visitors
	p.Visitors.Load(s, func(ctx context.Context) (int, error) {
		if err := sleep(ctx, d); err != nil {
			return 0, err
		}
		return 1284, nil
	})
}

func (p *Panels) loadRevenue(s *live.Socket) {
	d := p.timings.Revenue
	p.Revenue.Load(s, func(ctx context.Context) (Revenue, error) {
		if err := sleep(ctx, d); err != nil {
			return Revenue{}, err
		}
		return Revenue{Total: "€48,310", Period: "this month, as of " + time.Now().Format("15:04:05")}, nil
	})
}

// errForecastDown is the forecast backend's failure.
var errForecastDown = errors.New("forecast: the upstream service timed out")

func (p *Panels) loadForecast(s *live.Socket) {
	d, fail := p.timings.Forecast, !p.retried
	p.Forecast.Load(s, func(ctx context.Context) (string, error) {
		if err := sleep(ctx, d); err != nil {
			return "", err
		}
		if fail {
			return "", errForecastDown
		}
		return "Sunny, 21 °C", nil
	})
}

// loadSignups fills a stream from a task: the handler inserts the rows.
func (p *Panels) loadSignups(s *live.Socket) {
	d := p.timings.Signups
	p.SignupsLoading = true
	live.StartAsync(s, "signups", func(ctx context.Context) ([]NewUser, error) {
		if err := sleep(ctx, d); err != nil {
			return nil, err
		}
		return []NewUser{{"ada", "2 min ago"}, {"grace", "9 min ago"}, {"linus", "1 h ago"}}, nil
	}, func(ctx context.Context, s *live.Socket, rows []NewUser, err error) error {
		p.SignupsLoading = false
		if err != nil {
			p.SignupsProblem = "The sign-ups are not available."
			return nil
		}
		p.Signups.Insert(rows...)
		return nil
	})
}

// sleep stands for a backend's latency; it ends early with ctx, as a
// real call would.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
