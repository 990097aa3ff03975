package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/pubsub"
)

// newTestApp builds the app for one test and closes it when the test
// ends.
func newTestApp(t *testing.T) *app {
	t.Helper()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := newApp(config{Secret: make([]byte, 32), Logger: slog.New(slog.DiscardHandler)}, ps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
		ps.Close()
	})
	return a
}

// newBrowser serves a on a loopback server for the duration of the test
// and returns a client of it: a browser without a browser, with cookies of
// its own. Two clients of one app are two visitors.
func newBrowser(t *testing.T, a *app) *livetest.Client {
	return livetest.NewClient(t, a.live, a.handler)
}

func TestTheHomePageWorksWithoutJavaScript(t *testing.T) {
	t.Parallel()
	p := newBrowser(t, newTestApp(t)).Get("/")
	if p.Status != http.StatusOK || !p.Live() {
		t.Fatalf("GET /: status %d, live %v", p.Status, p.Live())
	}
	if got := p.Text("#count"); got != "0" {
		t.Errorf("count = %q, want 0", got)
	}
}

func TestTheCounterCountsClicks(t *testing.T) {
	t.Parallel()
	v := newBrowser(t, newTestApp(t)).Live("/")
	v.Click("#inc")
	v.Click("#inc")
	v.Click("#dec")
	if got := v.Text("#count"); got != "1" {
		t.Errorf("count = %q, want 1", got)
	}
}

func TestTheFormChecksTheNameAsItIsTypedAndGreets(t *testing.T) {
	t.Parallel()
	v := newBrowser(t, newTestApp(t)).Live("/")
	v.Change("#greet", "name", url.Values{"name": {"  "}})
	if got := v.Text("#name-problem"); got != "Please enter your name." {
		t.Errorf("problem = %q after typing blanks", got)
	}
	v.Change("#greet", "name", url.Values{"name": {"Ada"}})
	if v.Has("#name-problem") {
		t.Errorf("a problem shows for a good name: %q", v.Text("#name-problem"))
	}
	v.Submit("#greet", nil) // the fields as rendered: name=Ada
	if got := v.Text("#live-flash-info p"); got != "Hello, Ada!" {
		t.Errorf("flash = %q, want Hello, Ada!", got)
	}
	v.Click("#live-flash-info button") // dismiss
	if v.Has("#live-flash-info") {
		t.Error("the greeting is still shown after its dismiss button was clicked")
	}
}
