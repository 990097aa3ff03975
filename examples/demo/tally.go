package main

import (
	"context"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// Tally is a stateful component of the counter page: a count of its own,
// kept while the page renders around it, with its own buttons.
type Tally struct {
	ID    string
	Label string
	Count int
}

// tallyChanged tells the counter page a tally's new count.
type tallyChanged struct {
	id    string
	count int
}

// resetTally is what the counter page sends its tallies to zero them.
type resetTally struct{}

// Render shows the tally and its buttons.
func (t *Tally) Render() templ.Component { return tallyView(t) }

// Update takes the label the page passes; the count is the tally's own.
func (t *Tally) Update(ctx context.Context, s *live.Socket, next *Tally) error {
	t.Label = next.Label
	return nil
}

// HandleEvent runs the tally's buttons: events from inside a component go
// to it.
func (t *Tally) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "up":
		t.Count++
	case "down":
		t.Count--
	default:
		return nil
	}
	s.Send(tallyChanged{id: t.ID, count: t.Count})
	return nil
}

// HandleInfo takes the page's reset, sent with Socket.SendUpdate.
func (t *Tally) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(resetTally); ok {
		t.Count = 0
	}
	return nil
}
