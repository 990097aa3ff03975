package main

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/templive/templive/live/livetest"
)

// newPanelsApp returns the demo with the panels' backends as slow as
// timings says.
func newPanelsApp(t *testing.T, timings panelTimings) *app {
	t.Helper()
	a, err := newApp(config{panels: timings}, slog.New(slog.NewTextHandler(io.Discard, nil)))
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

// fastPanels answer at once, so that tests wait for nothing.
var fastPanels = panelTimings{Visitors: time.Millisecond, Revenue: time.Millisecond, Forecast: time.Millisecond, Signups: time.Millisecond}

func TestPanelsRenderLoadingThenTheirData(t *testing.T) {
	t.Parallel()
	a := newPanelsApp(t, fastPanels)
	c := livetest.NewClient(t, a.live, a.mux)

	// The GET renders at once: every panel is loading.
	p := c.Get("/panels")
	for _, sel := range []string{"#visitors .loading", "#revenue .loading", "#forecast .loading", "#signups-panel .loading"} {
		if !p.Has(sel) {
			t.Errorf("the static page lacks %s:\n%s", sel, p.HTML())
		}
	}

	v := c.Join(p) // the demo adopts the GET's view and its tasks
	v.AwaitAsync()
	if got := v.Text("#visitors .figure"); got != "1284" {
		t.Errorf("visitors %q", got)
	}
	if got := v.Text("#revenue .figure"); got != "€48,310" {
		t.Errorf("revenue %q", got)
	}
	if got := v.Texts("#signups b"); !slices.Equal(got, []string{"ada", "grace", "linus"}) {
		t.Errorf("sign-ups %q", got)
	}
	if v.Has(".loading") {
		t.Errorf("a panel is still loading:\n%s", v.HTML())
	}
	if st := a.live.Stats(); st.Adoptions != 1 {
		t.Errorf("stats %+v: the GET's view was not adopted", st)
	}
}

func TestPanelsFailedForecastIsRetried(t *testing.T) {
	t.Parallel()
	a := newPanelsApp(t, fastPanels)
	v := livetest.NewClient(t, a.live, a.mux).Live("/panels")
	v.AwaitAsync()
	if !v.Has("#forecast .error") || !v.Has("#retry-forecast") {
		t.Fatalf("the forecast did not fail:\n%s", v.HTML())
	}
	v.Click("#retry-forecast")
	v.AwaitAsync()
	if got := v.Text("#forecast .figure"); got != "Sunny, 21 °C" {
		t.Fatalf("forecast after a retry: %q\n%s", got, v.HTML())
	}
	if v.Has("#retry-forecast") {
		t.Fatal("the retry button outlived the failure")
	}
}

func TestPanelsSlowPanelHoldsUpNoOther(t *testing.T) {
	t.Parallel()
	slow := fastPanels
	slow.Revenue = time.Hour // ends with the view: the task honours its context
	a := newPanelsApp(t, slow)
	v := livetest.NewClient(t, a.live, a.mux).Live("/panels")
	v.SyncUntil("the fast panels loaded", func() bool {
		return v.Has("#visitors .figure") && v.Has("#forecast .error") && v.Count("#signups li") == 3
	})
	if !v.Has("#revenue .loading") {
		t.Fatalf("the slow panel is not loading:\n%s", v.HTML())
	}
	// A refresh restarts the slow task; the view keeps answering meanwhile.
	v.Click("#refresh-revenue")
	if !v.Has("#revenue .loading") || !v.Has("#visitors .figure") {
		t.Fatalf("after a refresh:\n%s", v.HTML())
	}
	v.Close()
	deadline := time.Now().Add(livetest.Timeout)
	for a.live.Stats().AsyncTasks != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d tasks still running after the view ended", a.live.Stats().AsyncTasks)
		}
		time.Sleep(time.Millisecond)
	}
}
