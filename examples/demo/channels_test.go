package main

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// repoRoot is where package.json and node_modules live, relative to this
// package.
const repoRoot = "../.."

// TestPhoenixClient runs the official phoenix npm client against the demo's
// /socket (testdata/phoenix_client.mjs) and fails if any of its checks
// fail.
func TestPhoenixClient(t *testing.T) {
	runNodeAgainstDemo(t, "phoenix_client.mjs")
}

// TestPhoenixClientLongPoll runs the checks of TestPhoenixClient with the
// client's LongPoll transport instead of a WebSocket.
func TestPhoenixClientLongPoll(t *testing.T) {
	runNodeAgainstDemo(t, "phoenix_client.mjs", "longpoll")
}

// TestPhoenixPresence runs the official phoenix client's Presence class
// against RoomChannel (testdata/phoenix_presence.mjs): its list stays
// accurate through joins, meta updates, a second tab and leaves.
func TestPhoenixPresence(t *testing.T) {
	runNodeAgainstDemo(t, "phoenix_presence.mjs")
}

// TestPhoenixPresenceLongPoll runs the checks of TestPhoenixPresence with
// the client's LongPoll transport.
func TestPhoenixPresenceLongPoll(t *testing.T) {
	runNodeAgainstDemo(t, "phoenix_presence.mjs", "longpoll")
}

// runNodeAgainstDemo serves the demo in development mode and runs a script
// of testdata with node against it, with args after the server's URL; the
// script's exit status decides.
func runNodeAgainstDemo(t *testing.T, script string, args ...string) {
	// Only goroutines this test starts must be gone when it ends.
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not installed: install Node 20 or later, then run `npm ci` at the repository root")
	}
	if _, err := os.Stat(filepath.Join(repoRoot, "node_modules", "phoenix", "package.json")); err != nil {
		t.Fatal("node_modules/phoenix is missing: run `npm ci` at the repository root")
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(t.Context())
	errc := make(chan error, 1)
	go func() {
		errc <- runWith(ctx, config{listener: ln, dev: true, socketIdleTimeout: 2 * time.Second}, logger)
	}()
	defer func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("demo stopped with %v", err)
		}
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	}()

	cmdCtx, cancelCmd := context.WithTimeout(ctx, 60*time.Second)
	defer cancelCmd()
	cmd := exec.CommandContext(cmdCtx, node, append([]string{"--experimental-websocket", "--no-warnings",
		filepath.Join("testdata", script), "http://" + ln.Addr().String()}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s: %v\n%s", script, err, out)
		return
	}
	t.Logf("%s", out)
}
