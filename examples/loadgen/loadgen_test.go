package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/live/channel"
)

// serveEnv makes the test binary act as `loadgen -serve`, so that the
// driver's child process can be tested too.
const serveEnv = "LOADGEN_TEST_SERVE"

func TestMain(m *testing.M) {
	if os.Getenv(serveEnv) == "1" {
		if err := serveMain("127.0.0.1:0", 0, channel.Compression{}, slog.New(slog.DiscardHandler)); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// checkCorrect asserts what a load run must get right whatever the
// timings: every client joined, every event got its patch, every client
// got every broadcast, and nothing failed.
func checkCorrect(t *testing.T, cfg config, res *results) {
	t.Helper()
	if res.Errors != 0 {
		t.Errorf("%d errors; first: %s", res.Errors, res.FirstError)
	}
	if res.Connect.Joined != cfg.N {
		t.Errorf("%d of %d clients joined", res.Connect.Joined, cfg.N)
	}
	if res.Idle.After.Subs != cfg.N {
		t.Errorf("%d views subscribed, want %d", res.Idle.After.Subs, cfg.N)
	}
	ev := res.Events
	if ev.Sent == 0 || ev.Replied != int64(ev.Sent) || ev.Patched != ev.Replied {
		t.Errorf("events: %d sent, %d replied, %d with a patch", ev.Sent, ev.Replied, ev.Patched)
	}
	if len(res.Broadcast.Delivered) != cfg.Broadcasts {
		t.Errorf("%d broadcast rounds, want %d", len(res.Broadcast.Delivered), cfg.Broadcasts)
	}
	for i, got := range res.Broadcast.Delivered {
		if got != cfg.N {
			t.Errorf("broadcast %d reached %d of %d clients", i, got, cfg.N)
		}
	}
	if res.Wire.PatchBytes == 0 || res.Wire.JoinFrame == 0 {
		t.Errorf("wire sizes not recorded: %+v", res.Wire)
	}
}

func TestLoadInProcessGetsEveryPatchAndBroadcast(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := newBenchServer(logger, 0, channel.Compression{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(b)
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	}()

	cfg := config{N: 200, Concurrency: 16, Rate: 200, Duration: 2 * time.Second, Broadcasts: 3, Settle: 100 * time.Millisecond, Logger: logger}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := run(ctx, cfg, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	checkCorrect(t, cfg, res)
}

func TestAReconnectStormResumesEveryView(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := newBenchServer(logger, 0, channel.Compression{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(b)
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	}()

	// After the storm, the events and broadcasts reach the resumed views.
	cfg := config{N: 100, Concurrency: 16, Rate: 100, Duration: time.Second, Broadcasts: 2, Settle: 10 * time.Millisecond, Logger: logger, Storm: true}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res, err := run(ctx, cfg, ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if s := res.Storm; s.Resumed != int64(cfg.N) || s.Remounted != 0 || s.Failed != 0 {
		t.Fatalf("storm: %+v", s)
	}
	checkCorrect(t, cfg, res)
}

func TestEveryPageGetsEveryPatchAndBroadcast(t *testing.T) {
	t.Parallel()
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := newBenchServer(logger, 0, channel.Compression{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(b)
	defer ts.Close()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.close(ctx); err != nil {
			t.Errorf("close: %v", err)
		}
	}()
	for _, tc := range []struct {
		name     string
		work     workload
		minBytes int // of the whole HTML in the join reply
	}{
		{"the counter, each view its own", workload{Page: pageCounter, Own: true}, 300},
		{"the table, a row's number bumped", workload{Page: pageTable, Event: "bump"}, 57_000},
		{"the table, a row moved to the top, each view its own", workload{Page: pageTable, Event: "top", Own: true}, 57_000},
		{"the table of row components, a row's own event", workload{Page: pageRows, Event: "bump"}, 57_000},
		{"the article", workload{Page: pageArticle}, 40_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{N: 20, Concurrency: 4, Rate: 40, Duration: time.Second, Broadcasts: 2, Settle: 10 * time.Millisecond,
				Work: tc.work, Logger: logger}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			res, err := run(ctx, cfg, ts.URL)
			if err != nil {
				t.Fatal(err)
			}
			checkCorrect(t, cfg, res)
			if res.Wire.HTMLBytes < tc.minBytes {
				t.Errorf("the join reply carries %d bytes of HTML, want at least %d", res.Wire.HTMLBytes, tc.minBytes)
			}
		})
	}
}

func TestWorkloadRefusesUnknownPages(t *testing.T) {
	t.Parallel()
	for _, w := range []workload{{Page: "nope"}, {Page: pageTable, Event: "delete"}, {Page: pageRows, Event: "top"}} {
		if w.check() == nil {
			t.Errorf("%+v passed the check", w)
		}
	}
}

func TestDriveStartsAndStopsItsServer(t *testing.T) {
	t.Setenv(serveEnv, "1") // the child is this test binary, serving
	cfg := config{N: 20, Concurrency: 4, Rate: 50, Duration: time.Second, Broadcasts: 2, Settle: 50 * time.Millisecond,
		Logger: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := drive(ctx, cfg, "", false, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for _, want := range []string{"joins/s", "event→patch", "last frame", "errors         0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestOnlyLoopbackAddresses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:8080", true},
		{"[::1]:0", true},
		{"localhost:80", true},
		{"10.0.0.1:80", false},
		{"example.com:80", false},
		{":8080", false},
	} {
		if err := loopbackOnly(tc.addr); (err == nil) != tc.ok {
			t.Errorf("loopbackOnly(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}
