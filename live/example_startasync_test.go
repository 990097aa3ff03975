package live_test

import (
	"context"

	"github.com/templive/templive/live"
)

// Report is the view of ExampleStartAsync.
type Report struct {
	Rows    *live.Stream[string]
	Problem string
	Running bool
}

// StartAsync hands a task's result to a handler on the view's goroutine:
// here it fills a stream, and a button cancels the task.
func ExampleStartAsync() {
	var r Report
	var s *live.Socket // the Socket a callback receives

	r.Running = true
	live.StartAsync(s, "rows", func(ctx context.Context) ([]string, error) {
		return []string{"a", "b"}, nil // a query that honours ctx
	}, func(ctx context.Context, s *live.Socket, rows []string, err error) error {
		r.Running = false
		if err != nil {
			r.Problem = "The report is not available."
			return nil
		}
		r.Rows.Insert(rows...)
		return nil
	})

	// Later, in HandleEvent for a "Stop" button:
	s.CancelAsync("rows")
	r.Running = false
}
