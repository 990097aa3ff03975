// Command loadgen measures how many live users one templive server holds
// and how fast it answers them: it starts the server in a child process
// (the same binary, with -serve), opens N WebSocket clients that speak the
// browser's protocol, and reports join rate, memory per idle view, event
// → patch latency under an open-loop event rate, broadcast fan-out time
// and bytes on the wire. See README.md.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/templive/templive/live/channel"
)

func main() {
	var (
		serve      = flag.Bool("serve", false, "run the server under load (what the driver starts as its child)")
		addr       = flag.String("addr", "127.0.0.1:0", "with -serve: loopback address to listen on")
		target     = flag.String("target", "", "drive an already running `loadgen -serve` at this loopback URL instead of starting one")
		n          = flag.Int("n", 1000, "connected views")
		conc       = flag.Int("c", 32, "connects in flight at once")
		rate       = flag.Int("rate", 1000, "events per second, open loop (0: no event phase)")
		dur        = flag.Duration("duration", 10*time.Second, "length of the event phase")
		broadcasts = flag.Int("broadcasts", 10, "broadcast rounds (0: no broadcast phase)")
		settle     = flag.Duration("settle", 2*time.Second, "pause after connecting, before measuring idle memory")
		pprofDir   = flag.String("pprof", "", "directory to save the server's heap (idle) and CPU (event phase) profiles in")
		asJSON     = flag.Bool("json", false, "print the results as JSON")
		deadline   = flag.Duration("deadline", 5*time.Minute, "hard limit on the whole run; the driver and its server exit by then")
		mailbox    = flag.Int("mailbox", 0, "each view's PubSub mailbox capacity on the server (0: the default, live.DefaultViewMailbox)")
		verbose    = flag.Bool("v", false, "log at debug level")
		pageName   = flag.String("page", pageCounter, "the page every client loads: counter, table (200 keyed rows, 57 KB), rows (the table, each row a component) or article (40 KB, ten live values)")
		event      = flag.String("event", "bump", "with -page table: what a click does, bump (a row's number changes) or top (a row moves to the top)")
		own        = flag.Bool("own", false, "every view renders HTML of its own, so that no view can reuse another's patch")
		compress   = flag.Bool("compress", false, "turn permessage-deflate on in the server, and offer it from the clients as browsers do")
		compMin    = flag.Int("compress-min", 0, "with -compress: the server deflates frames of at least this many bytes (0: the library's default, negative: every frame)")
		stormFlag  = flag.Bool("storm", false, "after the idle phase, drop every connection at once (no close frame) and reconnect them all with the browser's jittered backoff, resuming their views")
	)
	flag.Parse()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	comp := channel.Compression{Enabled: *compress, MinSize: *compMin}
	if *serve {
		if err := serveMain(*addr, *mailbox, comp, logger); err != nil {
			logger.Error("loadgen server", "err", err)
			os.Exit(1)
		}
		return
	}

	// The hard deadline: the context ends the run; if something still
	// hangs a little later, the process exits anyway (and its server with
	// it, by Pdeathsig).
	ctx, cancel := context.WithTimeout(context.Background(), *deadline)
	defer cancel()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	watchdog := time.AfterFunc(*deadline+15*time.Second, func() {
		fmt.Fprintln(os.Stderr, "loadgen: hard deadline passed, exiting")
		os.Exit(3)
	})
	defer watchdog.Stop()

	cfg := config{N: *n, Concurrency: *conc, Rate: *rate, Duration: *dur, Broadcasts: *broadcasts,
		Settle: *settle, PprofDir: *pprofDir, Mailbox: *mailbox, Compression: comp, Logger: logger,
		Work: workload{Page: *pageName, Event: *event, Own: *own}, Storm: *stormFlag}
	if err := cfg.Work.check(); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	if err := drive(ctx, cfg, *target, *asJSON, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
}

// drive runs the load against target, or against a child server it
// starts, and prints the results.
func drive(ctx context.Context, cfg config, target string, asJSON bool, w io.Writer) error {
	if cfg.N <= 0 || cfg.Concurrency <= 0 {
		return errors.New("-n and -c must be positive")
	}
	if cfg.PprofDir != "" {
		if err := os.MkdirAll(cfg.PprofDir, 0o755); err != nil {
			return err
		}
	}
	if target == "" {
		child, base, err := startChild(ctx, cfg.Mailbox, cfg.Compression, cfg.Logger)
		if err != nil {
			return err
		}
		defer child.stop()
		target = base
	}
	res, err := run(ctx, cfg, strings.TrimRight(target, "/"))
	if res != nil {
		if asJSON {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.Encode(res)
		} else {
			printTable(w, res)
		}
	}
	if err == nil && res.Errors > 0 {
		err = fmt.Errorf("%d errors; first: %s", res.Errors, res.FirstError)
	}
	return err
}

// child is the server process.
type child struct {
	cmd  *exec.Cmd
	wg   sync.WaitGroup
	once sync.Once
}

// startChild re-executes this binary with -serve and returns the base URL
// it listens on.
func startChild(ctx context.Context, mailbox int, comp channel.Compression, logger *slog.Logger) (*child, string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, "", err
	}
	args := []string{"-serve", "-addr", "127.0.0.1:0", "-mailbox", strconv.Itoa(mailbox)}
	if comp.Enabled {
		args = append(args, "-compress", "-compress-min", strconv.Itoa(comp.MinSize))
	}
	cmd := exec.Command(exe, args...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with the driver, whatever happens to it
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	c := &child{cmd: cmd}
	lines := make(chan string, 1)
	c.wg.Go(func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	})
	c.wg.Go(func() { cmd.Wait() }) // after the reader: Wait closes the pipe
	select {
	case line := <-lines:
		base, ok := strings.CutPrefix(line, "listening ")
		if !ok {
			c.stop()
			return nil, "", fmt.Errorf("server said %q", line)
		}
		logger.Debug("server started", "pid", cmd.Process.Pid, "url", base)
		return c, base, nil
	case <-time.After(10 * time.Second):
	case <-ctx.Done():
	}
	c.stop()
	return nil, "", errors.New("server did not start")
}

// stop asks the server to shut down, kills it after 10 s, and waits.
func (c *child) stop() {
	c.once.Do(func() {
		c.cmd.Process.Signal(syscall.SIGTERM)
		t := time.AfterFunc(10*time.Second, func() { c.cmd.Process.Kill() })
		c.wg.Wait()
		t.Stop()
	})
}

// serveMain is the server process: it serves until SIGTERM or SIGINT.
func serveMain(addr string, mailbox int, comp channel.Compression, logger *slog.Logger) error {
	if err := loopbackOnly(addr); err != nil {
		return err
	}
	if _, err := raiseFileLimit(); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	b, err := newBenchServer(logger, mailbox, comp)
	if err != nil {
		ln.Close()
		return err
	}
	hs := &http.Server{Handler: b, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	fmt.Printf("listening http://%s\n", ln.Addr())
	select {
	case <-ctx.Done():
	case err := <-errc:
		b.close(context.Background())
		return err
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = errors.Join(hs.Shutdown(sctx), b.close(sctx))
	<-errc // Serve returned ErrServerClosed
	return err
}

// printTable writes the results for people.
func printTable(w io.Writer, r *results) {
	kb := func(v float64) string { return fmt.Sprintf("%.1f KB", v/1024) }
	fmt.Fprintf(w, "templive load: N=%d views, loadavg %s, open files limit %d\n\n", r.N, r.LoadAvg, r.FileLimit)
	c := r.Connect
	fmt.Fprintf(w, "connect+join   %d joined in %.2f s = %.0f joins/s (client CPU %.0f%%)\n", c.Joined, c.Seconds, c.PerSec, 100*c.CPU)
	fmt.Fprintf(w, "  GET→render   %s\n", c.Latency)
	fmt.Fprintf(w, "  join→reply   %s\n", c.Join)
	i := r.Idle
	fmt.Fprintf(w, "idle memory    heap %s/view, stacks %s/view, RSS %s/view, %.1f goroutines/view (heap %s → %s, RSS %s → %s)\n",
		kb(i.HeapPerView), kb(i.StackPerView), kb(i.RSSPerView), i.GoroutinesPer,
		kb(float64(i.Before.HeapInuse)), kb(float64(i.After.HeapInuse)), kb(float64(i.Before.RSS)), kb(float64(i.After.RSS)))
	e := r.Events
	if e.Sent > 0 {
		fmt.Fprintf(w, "events         %d sent at %d/s, %d replied, %d with patch, %d skipped (all busy); client CPU %.0f%%, server CPU %.0f%%\n",
			e.Sent, e.Rate, e.Replied, e.Patched, e.Skipped, 100*e.ClientCPU, 100*e.ServerCPU)
		fmt.Fprintf(w, "  event→patch  %s  (from the scheduled time)\n", e.Latency)
		fmt.Fprintf(w, "  sent→patch   %s  (from the write)\n", e.FromSend)
		fmt.Fprintf(w, "  send lag     %s\n", e.SendLag)
	}
	b := r.Broadcast
	if b.Rounds > 0 {
		fmt.Fprintf(w, "broadcast      %d rounds to %d views, delivered %v; client CPU %.0f%%, server CPU %.0f%%\n",
			b.Rounds, r.N, b.Delivered, 100*b.ClientCPU, 100*b.ServerCPU)
		fmt.Fprintf(w, "  last frame   %s\n", b.Last)
		fmt.Fprintf(w, "  half frames  %s\n", b.Median)
	}
	if s := r.Storm; s.Clients > 0 {
		fmt.Fprintf(w, "storm          %d dropped at once: %d resumed, %d remounted, %d failed in %.2f s (%d connects); client CPU %.0f%%, server CPU %.0f%%\n",
			s.Clients, s.Resumed, s.Remounted, s.Failed, s.Seconds, s.Attempts, 100*s.ClientCPU, 100*s.ServerCPU)
		fmt.Fprintf(w, "  drop→rejoin  %s\n", s.Latency)
		fmt.Fprintf(w, "  server peak  heap %s (idle before %s), RSS %s (before %s)\n",
			kb(float64(s.PeakHeap)), kb(float64(s.Before.HeapInuse)), kb(float64(s.PeakRSS)), kb(float64(s.Before.RSS)))
	}
	x := r.Wire
	fmt.Fprintf(w, "wire           click %d B; reply with patch %.0f B (d %.0f B); broadcast diff push %.0f B; whole HTML: join reply %d B (html %d B), page %d B; patch/whole %.2f\n",
		x.EventFrame, x.ReplyFrame, x.PatchBytes, x.DiffFrame, x.JoinFrame, x.HTMLBytes, x.PageBytes, x.PatchVsWhole)
	t := r.TCP
	fmt.Fprintf(w, "tcp            received per join %.0f B (handshake answer included), per event reply %.0f B, per broadcast push %.0f B; server CPU per join %.0f µs (GET included), per event %.0f µs; compression %s\n",
		t.PerJoin, t.PerReply, t.PerPush, t.ServerCPUPerJoin, t.ServerCPUPerEvent, map[bool]string{true: "on", false: "off"}[t.Compressed])
	fmt.Fprintf(w, "errors         %d", r.Errors)
	if r.FirstError != "" {
		fmt.Fprintf(w, " (first: %s)", r.FirstError)
	}
	fmt.Fprintln(w)
}
