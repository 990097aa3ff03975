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
	}
	return nil
}
