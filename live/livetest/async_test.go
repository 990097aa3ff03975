package livetest_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// Weather loads the forecast from a backend the test controls.
type Weather struct {
	Forecast live.Async[string]
	backend  chan string // each call to the backend returns what the test sends
}

func (w *Weather) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	backend := w.backend
	w.Forecast.Load(s, func(ctx context.Context) (string, error) {
		select {
		case f := <-backend:
			return f, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	return nil
}

func (w *Weather) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, out io.Writer) error {
		var err error
		switch {
		case w.Forecast.Loading():
			_, err = io.WriteString(out, `<p id="forecast" class="loading">…</p>`)
		case w.Forecast.OK():
			_, err = fmt.Fprintf(out, `<p id="forecast">%s</p>`, templ.EscapeString(w.Forecast.Value))
		}
		return err
	})
}

// newWeatherServer serves Weather at /weather on backend, adopting the
// GET's view (and its task) at the join.
func newWeatherServer(t testing.TB, backend chan string) *live.Server {
	srv := newServer(t) // an application's own setup
	srv.Page("/weather", func() live.View { return &Weather{backend: backend} })
	return srv
}

// A test reads the loading state, lets the task finish, and waits for its
// result with AwaitAsync. (TestAwaitAsyncWaitsForTheTasksResult below
// runs exactly this.)
func ExampleView_AwaitAsync() {
	var t *testing.T // the test's own
	backend := make(chan string)
	c := livetest.NewClient(t, newWeatherServer(t, backend), nil)
	p := c.Get("/weather")
	fmt.Println(p.Has("#forecast.loading")) // the GET does not wait for the task
	v := c.Join(p)
	fmt.Println(v.Has("#forecast.loading"))
	backend <- "sunny"
	v.AwaitAsync()
	fmt.Println(v.Text("#forecast"))
}

func TestAwaitAsyncWaitsForTheTasksResult(t *testing.T) {
	t.Parallel()
	backend := make(chan string)
	c := livetest.NewClient(t, newWeatherServer(t, backend), nil)
	p := c.Get("/weather")
	if !p.Has("#forecast.loading") {
		t.Fatalf("the GET's render:\n%s", p.HTML())
	}
	v := c.Join(p)
	if !v.Has("#forecast.loading") {
		t.Fatalf("the join's render:\n%s", v.HTML())
	}
	backend <- "sunny"
	v.AwaitAsync()
	if got := v.Text("#forecast"); got != "sunny" {
		t.Fatalf("forecast = %q after AwaitAsync", got)
	}
}
