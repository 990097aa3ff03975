package main

import (
	"context"
	"net/url"
	"strconv"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// Counter is the smallest live view: its state is one field.
type Counter struct {
	Count int
	// Tallies are the counts its tally components reported, by id.
	Tallies map[string]int
}

// tallyLabel is the label the page passes tally id: its name, and the
// page's count when it is not zero.
func tallyLabel(c *Counter, id string) string {
	if c.Count == 0 {
		return id
	}
	return id + " ×" + strconv.Itoa(c.Count)
}

// Mount starts at ?start=N, or 0.
func (c *Counter) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	c.Count, _ = strconv.Atoi(params.Get("start"))
	s.SetTitle("Counter · templive demo")
	return nil
}

// Render shows the count and its buttons.
func (c *Counter) Render() templ.Component { return counterView(c) }

// HandleEvent runs the buttons' live-click bindings.
func (c *Counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		by := 1
		if v := ev.Value("by"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return nil // a forged value changes nothing
			}
			by = n
		}
		c.Count += by
	case "dec":
		c.Count--
	case "reset":
		c.Count = 0
	case "reset-tallies":
		for id := range c.Tallies {
			s.SendUpdate(id, resetTally{})
		}
		clear(c.Tallies)
	}
	return nil
}

// HandleInfo takes what its tally components report.
func (c *Counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(tallyChanged); ok {
		if c.Tallies == nil {
			c.Tallies = map[string]int{}
		}
		c.Tallies[m.id] = m.count
	}
	return nil
}
