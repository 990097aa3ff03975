package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// newTestApp returns the whole demo, served to livetest clients.
func newTestApp(t testing.TB) *app {
	t.Helper()
	a, err := newApp(config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		a.close()
	})
	return a
}

// newTestLive returns the demo's live server.
func newTestLive(t *testing.T) *live.Server { return newTestApp(t).live }

// signedIn returns a client of the demo signed in as name.
func signedIn(t testing.TB, a *app, name string) *livetest.Client {
	t.Helper()
	c := livetest.NewClient(t, a.live, a.mux)
	if p := c.PostForm("/signin", url.Values{"name": {name}, "next": {"/"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", name, p.Status)
	}
	return c
}

func TestCounterButtonsChangeTheCount(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/counter")
	steps := []struct {
		button string
		want   string
	}{
		{"#inc", "1"},
		{"#inc", "2"},
		{"#inc10", "12"},
		{"#dec", "11"},
		{"#reset", "0"},
		{"#dec", "-1"},
	}
	for _, s := range steps {
		v.Click(s.button)
		if got := v.Text("#count"); got != s.want {
			t.Fatalf("after %s: count = %q, want %q", s.button, got, s.want)
		}
	}
	if v.Title() != "Counter · templive demo" {
		t.Errorf("title = %q", v.Title())
	}
}

func TestCounterStartsFromTheURL(t *testing.T) {
	t.Parallel()
	c := livetest.NewClient(t, newTestLive(t), nil)
	if got := c.Get("/counter?start=5").Text("#count"); got != "5" {
		t.Fatalf("static render: count = %q", got)
	}
	v := c.Live("/counter?start=5")
	v.Click("#inc")
	if got := v.Text("#count"); got != "6" {
		t.Fatalf("count = %q", got)
	}
}

func TestSignupShowsErrorsOnlyForTouchedFields(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/signup")
	v.Change("#signup", "email", url.Values{"email": {"not-an-email"}})
	if !v.Has("#signup-email-error") {
		t.Fatalf("no email error after typing a bad email:\n%s", v.HTML())
	}
	if v.Has("#signup-name-error") || v.Has("#signup-password-error") {
		t.Fatalf("errors shown for untouched fields:\n%s", v.HTML())
	}
	if got, _ := v.Attr("#signup-email", "value"); got != "not-an-email" {
		t.Fatalf("email value = %q", got)
	}
	v.Change("#signup", "email", url.Values{"email": {"ada@example.com"}})
	if v.Has("#signup-email-error") {
		t.Fatalf("email error stays after fixing it:\n%s", v.HTML())
	}
}

func TestSignupSubmitValidatesEverythingThenSaves(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/signup")
	v.Submit("#signup", url.Values{"name": {"Ada"}})
	if !v.Has("#signup-email-error") || !v.Has("#signup-password-error") || v.Has("#signup-name-error") {
		t.Fatalf("a bad submit shows the wrong errors:\n%s", v.HTML())
	}
	v.Submit("#signup", url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "password": {"correct horse"}})
	if got := v.Text("#done"); !strings.Contains(got, "Ada") {
		t.Fatalf("done = %q", got)
	}
	if got, _ := v.Attr("#signup-name", "value"); got != "" {
		t.Fatalf("the form was not reset: name = %q", got)
	}
	if v.Has(".error") {
		t.Fatalf("errors after a good submit:\n%s", v.HTML())
	}
}

func TestSignupFormValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		form SignupForm
		bad  []string
	}{
		{"a complete form is valid", SignupForm{"Ada", "ada@example.com", "12345678"}, nil},
		{"an empty form fails everywhere", SignupForm{}, []string{"name", "email", "password"}},
		{"a blank name is no name", SignupForm{"   ", "a@b.c", "12345678"}, []string{"name"}},
		{"an email needs a domain with a dot", SignupForm{"Ada", "ada@localhost", "12345678"}, []string{"email"}},
		{"a short password is refused", SignupForm{"Ada", "a@b.c", "1234567"}, []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.form.Validate()
			if len(errs) != len(tt.bad) {
				t.Fatalf("errors %v, want fields %v", errs, tt.bad)
			}
			for _, f := range tt.bad {
				if errs[f] == "" {
					t.Errorf("no error for %s", f)
				}
			}
		})
	}
}

// nudge is a message no view of the demo handles.
type nudge struct{}

// caughtUp waits until the view's mailbox takes messages again after a
// burst overflowed it: a lagged mailbox refuses them until the view has
// dealt with the gap, and a Sync sent meanwhile would be lost. The test
// fails if the view ended instead.
func caughtUp(t testing.TB, srv *live.Server, v *livetest.View) {
	t.Helper()
	deadline := time.Now().Add(livetest.Timeout)
	for {
		err := srv.Send(v.ID(), nudge{})
		if err == nil {
			v.Sync("")
			return
		}
		if errors.Is(err, live.ErrNoView) {
			t.Fatal("the view ended after the burst (crashed and remounted)")
		}
		if time.Now().After(deadline) {
			t.Fatalf("the view has not caught up: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
}

// The -max-view-mb flag reaches live.Options.MaxViewBytes: past it, a
// join is refused as "server busy" rather than using more memory.
func TestTheDemosViewMemoryCapRefusesJoinsPastIt(t *testing.T) {
	t.Parallel()
	a, err := newApp(config{maxViewBytes: 1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		a.shutdown(ctx)
		a.close()
	})
	err = livetest.NewClient(t, a.live, a.mux).TryLive("/counter")
	if err == nil || !strings.Contains(err.Error(), "server busy") {
		t.Fatalf("a join past a 1-byte cap: %v, want \"server busy\"", err)
	}
	if viewBytes(512) != 512<<20 || viewBytes(0) >= 0 || viewBytes(-1) >= 0 {
		t.Fatalf("-max-view-mb 512, 0, -1 give %d, %d, %d bytes", viewBytes(512), viewBytes(0), viewBytes(-1))
	}
}

func TestCounterTalliesAreComponentsWithTheirOwnState(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/counter")
	v.Click("#tally-apples .up")
	v.Click("#tally-apples .up")
	v.Click("#tally-pears .down")
	if a, p := v.Text("#tally-apples .count"), v.Text("#tally-pears .count"); a != "2" || p != "-1" {
		t.Fatalf("tallies apples=%s pears=%s, want 2 and -1", a, p)
	}
	v.SyncUntil("the page sums what its tallies report", func() bool { return v.Text("#tallies") == "Tallies: 1" })
	v.Click("#inc") // the page renders again around its tallies
	if got := v.Text("#tally-apples .label"); got != "apples ×1" {
		t.Errorf("label = %q: the page's input did not reach the tally", got)
	}
	if got := v.Text("#tally-apples .count"); got != "2" {
		t.Errorf("apples = %s after the page's render, want 2", got)
	}
	v.Click("#reset-tallies")
	v.SyncUntil("the tallies take the page's reset", func() bool {
		return v.Text("#tally-apples .count") == "0" && v.Text("#tally-pears .count") == "0"
	})
	if got := v.Text("#tallies"); got != "Tallies: 0" {
		t.Errorf("sum = %q after the reset", got)
	}
}
