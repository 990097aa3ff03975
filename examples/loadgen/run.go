package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/templive/templive/live/channel"
)

// config is one load run.
type config struct {
	N           int                 // connected views
	Concurrency int                 // connects in flight at once
	Rate        int                 // events per second, open loop
	Duration    time.Duration       // of the event phase
	Broadcasts  int                 // broadcast rounds
	Settle      time.Duration       // pause before measuring idle memory
	PprofDir    string              // where to save the server's heap and CPU profiles; "" for none
	Mailbox     int                 // the child server's mailbox capacity per view; 0 for the default
	Work        workload            // the page and the click; the zero value is the counter
	Compression channel.Compression // the server's; the clients offer it when it is on
	Storm       bool                // drop every connection at once after the idle phase, and resume them all
	Logger      *slog.Logger
}

// results is what a run measured; -json prints it.
type results struct {
	N          int       `json:"n"`
	LoadAvg    string    `json:"loadavg,omitempty"`
	FileLimit  uint64    `json:"file_limit"`
	Errors     int64     `json:"errors"`
	FirstError string    `json:"first_error,omitempty"`
	Connect    connect   `json:"connect"`
	Idle       idle      `json:"idle"`
	Events     events    `json:"events"`
	Broadcast  bcast     `json:"broadcast"`
	Storm      storm     `json:"storm"`
	Wire       wireSizes `json:"wire"`
	TCP        tcpSizes  `json:"tcp"`
}

// tcpSizes are what the clients received as TCP carried it (frame
// headers, and deflated payloads when compression is on), per message,
// with the server's CPU per join and per event.
type tcpSizes struct {
	Compressed        bool    `json:"compressed"`
	PerJoin           float64 `json:"per_join_bytes"` // the handshake's answer and the join reply
	PerReply          float64 `json:"per_reply_bytes"`
	PerPush           float64 `json:"per_broadcast_push_bytes"`
	ServerCPUPerJoin  float64 `json:"server_cpu_per_join_us"` // the GETs included
	ServerCPUPerEvent float64 `json:"server_cpu_per_event_us"`
}

type connect struct {
	Joined  int     `json:"joined"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"joins_per_second"`
	Latency dist    `json:"latency"` // GET + upgrade + join until the first render
	Join    dist    `json:"join"`    // phx_join until its reply
	CPU     float64 `json:"client_cpu"`
}

type idle struct {
	Before, After memStats
	HeapPerView   float64 `json:"heap_inuse_per_view"`
	StackPerView  float64 `json:"stack_per_view"`
	RSSPerView    float64 `json:"rss_per_view"`
	GoroutinesPer float64 `json:"goroutines_per_view"`
}

type events struct {
	Rate       int     `json:"rate"`
	Sent       int     `json:"sent"`
	Replied    int64   `json:"replied"`
	Patched    int64   `json:"patched"`
	Skipped    int     `json:"skipped_all_busy"`
	SendLag    dist    `json:"send_lag"`  // how late the scheduler sent, behind the clock
	Latency    dist    `json:"latency"`   // scheduled send → reply with the patch (open loop: includes the sender's lag)
	FromSend   dist    `json:"from_send"` // frame written → reply with the patch
	ClientCPU  float64 `json:"client_cpu"`
	ServerCPU  float64 `json:"server_cpu"`
	WallSecond float64 `json:"seconds"`
}

type bcast struct {
	Rounds    int     `json:"rounds"`
	Delivered []int   `json:"delivered"`
	Last      dist    `json:"last_frame"`   // per round: POST sent → last client has its diff
	Median    dist    `json:"median_frame"` // per round: → half of the clients have theirs
	ClientCPU float64 `json:"client_cpu"`
	ServerCPU float64 `json:"server_cpu"`
}

// wireSizes are the bytes of each message on the wire.
type wireSizes struct {
	EventFrame   int     `json:"event_frame_bytes"`   // the click, client → server
	ReplyFrame   float64 `json:"reply_frame_bytes"`   // the reply carrying the patch
	PatchBytes   float64 `json:"patch_bytes"`         // its "d"
	DiffFrame    float64 `json:"diff_frame_bytes"`    // a broadcast's diff push
	JoinFrame    int     `json:"join_frame_bytes"`    // the join reply: the whole HTML of the view
	HTMLBytes    int     `json:"html_bytes"`          // its "html"
	PageBytes    int     `json:"page_bytes"`          // the GET's whole document
	PatchVsWhole float64 `json:"reply_vs_join_ratio"` // ReplyFrame / JoinFrame
}

// run puts the load on the server at base ("http://127.0.0.1:port").
func run(ctx context.Context, cfg config, base string) (*results, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	if err := loopbackOnly(u.Host); err != nil {
		return nil, err
	}
	res := &results{N: cfg.N, LoadAvg: loadavg()}
	if res.FileLimit, err = raiseFileLimit(); err != nil {
		return nil, fmt.Errorf("raise the open files limit: %w", err)
	}
	if need := uint64(cfg.N + 64); res.FileLimit < need {
		return nil, fmt.Errorf("open files limit %d is below the %d this run needs", res.FileLimit, need)
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Concurrency, MaxConnsPerHost: cfg.Concurrency}}
	defer hc.CloseIdleConnections()

	maxEvents := cfg.Rate*int(cfg.Duration/time.Second+1) + cfg.Rate
	rec := newRecorder(time.Now(), maxEvents, cfg.N)
	defer func() {
		res.Errors = rec.errs.Load()
		if e := rec.errors(); len(e) > 0 {
			res.FirstError = e[0]
		}
	}()

	if res.Idle.Before, err = getMem(ctx, hc, base, true); err != nil {
		return res, err
	}

	// Connect: GET, upgrade, join, first render.
	clients, err := connectAll(ctx, cfg, hc, u.Host, rec, res)
	defer func() { closeAll(clients, cfg.Concurrency) }()
	if err != nil {
		return res, err
	}

	// The phoenix client heartbeats every 30 s; the server closes sockets
	// idle for 60 s.
	var hbWG sync.WaitGroup
	stopHB := func() {}
	startHB := func() {
		hbCtx, stop := context.WithCancel(ctx)
		hbWG.Go(func() { heartbeats(hbCtx, clients, rec) })
		stopHB = func() { stop(); hbWG.Wait() }
	}
	startHB()
	defer func() { stopHB() }()

	// Idle memory.
	if err := sleep(ctx, cfg.Settle); err != nil {
		return res, err
	}
	if res.Idle.After, err = getMem(ctx, hc, base, true); err != nil {
		return res, err
	}
	n := float64(len(clients))
	res.Idle.HeapPerView = (float64(res.Idle.After.HeapInuse) - float64(res.Idle.Before.HeapInuse)) / n
	res.Idle.StackPerView = (float64(res.Idle.After.StackInuse) - float64(res.Idle.Before.StackInuse)) / n
	res.Idle.RSSPerView = (float64(res.Idle.After.RSS) - float64(res.Idle.Before.RSS)) / n
	res.Idle.GoroutinesPer = float64(res.Idle.After.Goroutines-res.Idle.Before.Goroutines) / n
	if res.Idle.After.Subs != len(clients) {
		rec.fail("%d views subscribed to %q, want %d", res.Idle.After.Subs, benchTopic, len(clients))
	}
	if cfg.PprofDir != "" {
		if err := saveProfile(ctx, hc, base+"/debug/pprof/heap", filepath.Join(cfg.PprofDir, fmt.Sprintf("heap-%d.pb.gz", cfg.N))); err != nil {
			return res, err
		}
	}

	if cfg.Storm {
		stopHB()
		clients, err = stormPhase(ctx, hc, base, u.Host, clients, rec, res)
		startHB()
		if err != nil {
			return res, err
		}
	}
	if err := eventPhase(ctx, cfg, hc, base, clients, rec, res); err != nil {
		return res, err
	}
	if err := broadcastPhase(ctx, cfg, hc, base, clients, rec, res); err != nil {
		return res, err
	}
	return res, nil
}

// connectAll connects cfg.N clients, cfg.Concurrency at a time.
func connectAll(ctx context.Context, cfg config, hc *http.Client, host string, rec *recorder, res *results) ([]*client, error) {
	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{},
		EnableCompression: cfg.Compression.Enabled, NetDialContext: rec.tcp.DialContext}
	res.TCP.Compressed = cfg.Compression.Enabled
	m0, err := getMem(ctx, hc, "http://"+host, false)
	if err != nil {
		return nil, err
	}
	tcp0 := rec.tcp.Read()
	clients := make([]*client, cfg.N)
	total := make([]int64, cfg.N)
	joins := make([]int64, cfg.N)
	var mu sync.Mutex // guards firstErr, the page and join sizes
	var firstErr error
	next := make(chan int)
	var wg sync.WaitGroup
	cpu0, t0 := cpuTime(), time.Now()
	for range min(cfg.Concurrency, cfg.N) {
		wg.Go(func() {
			for i := range next {
				start := time.Now()
				p, err := getPage(ctx, hc, "http://"+host, cfg.Work.path())
				var c *client
				var jr joinResult
				var joinStart time.Time
				if err == nil {
					joinStart = time.Now()
					c, jr, err = dial(ctx, d, host, p, rec)
				}
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("client %d: %w", i, err)
					}
					mu.Unlock()
					rec.fail("connect: %v", err)
					continue
				}
				end := time.Now()
				clients[i], total[i], joins[i] = c, end.Sub(start).Nanoseconds(), end.Sub(joinStart).Nanoseconds()
				mu.Lock()
				res.Wire.PageBytes, res.Wire.JoinFrame, res.Wire.HTMLBytes = p.bytes, jr.frameBytes, jr.htmlBytes
				mu.Unlock()
			}
		})
	}
feed:
	for i := range cfg.N {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	wall := time.Since(t0)
	var ok []*client
	var okTotal, okJoin []int64
	for i, c := range clients {
		if c != nil {
			ok, okTotal, okJoin = append(ok, c), append(okTotal, total[i]), append(okJoin, joins[i])
		}
	}
	res.Connect = connect{Joined: len(ok), Seconds: wall.Seconds(), PerSec: float64(len(ok)) / wall.Seconds(),
		Latency: distOf(okTotal), Join: distOf(okJoin), CPU: (cpuTime() - cpu0).Seconds() / wall.Seconds()}
	if m1, err := getMem(ctx, hc, "http://"+host, false); err == nil && len(ok) > 0 {
		res.TCP.ServerCPUPerJoin = (m1.CPUSeconds - m0.CPUSeconds) * 1e6 / float64(len(ok))
		res.TCP.PerJoin = float64(rec.tcp.Read()-tcp0) / float64(len(ok))
	}
	if err := ctx.Err(); err != nil {
		return ok, err
	}
	if len(ok) < cfg.N {
		return ok, fmt.Errorf("%d of %d clients failed to connect; first: %w", cfg.N-len(ok), cfg.N, firstErr)
	}
	return ok, nil
}

// closeAll closes the clients, a few at a time.
func closeAll(clients []*client, concurrency int) {
	next := make(chan *client)
	var wg sync.WaitGroup
	for range max(concurrency, 1) {
		wg.Go(func() {
			for c := range next {
				c.close()
			}
		})
	}
	for _, c := range clients {
		next <- c
	}
	close(next)
	wg.Wait()
}

// heartbeats sends every client a heartbeat every 20 s, spread evenly.
func heartbeats(ctx context.Context, clients []*client, rec *recorder) {
	const period = 20 * time.Second
	gap := period / time.Duration(len(clients)+1)
	for {
		if sleep(ctx, period/2) != nil {
			return
		}
		for _, c := range clients {
			if err := c.heartbeat(); err != nil && !c.closing.Load() {
				rec.fail("heartbeat: %v", err)
			}
			if sleep(ctx, gap/2) != nil {
				return
			}
		}
	}
}

// eventPhase sends cfg.Rate clicks a second for cfg.Duration, scheduled by
// the clock (open loop), each from a client with no event in flight, and
// waits for their replies.
func eventPhase(ctx context.Context, cfg config, hc *http.Client, base string, clients []*client, rec *recorder, res *results) error {
	ev := &res.Events
	ev.Rate = cfg.Rate
	if cfg.Rate <= 0 || cfg.Duration <= 0 {
		return nil
	}
	m0, err := getMem(ctx, hc, base, false)
	if err != nil {
		return err
	}
	var profWG sync.WaitGroup
	var profErr error
	if cfg.PprofDir != "" {
		secs := max(int(cfg.Duration/time.Second), 1)
		profWG.Go(func() {
			profErr = saveProfile(ctx, hc, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs),
				filepath.Join(cfg.PprofDir, fmt.Sprintf("cpu-events-%d.pb.gz", cfg.N)))
		})
	}
	total := min(int(cfg.Duration.Seconds()*float64(cfg.Rate)), len(rec.sched))
	interval := time.Second / time.Duration(cfg.Rate)
	lags := make([]int64, 0, total)
	cpu0, tcp0 := cpuTime(), rec.tcp.Read()
	t0 := time.Now()
	base0 := t0.Sub(rec.start)
	next := 0
	for seq := range total {
		at := base0 + time.Duration(seq)*interval
		if d := at - time.Since(rec.start); d > 0 {
			if err := sleep(ctx, d); err != nil {
				return err
			}
		}
		// The next client without an event in flight, so that every
		// event's reply carries its own patch (the runtime coalesces a
		// burst of one view's events into one render).
		var c *client
		for range clients {
			cand := clients[next]
			next = (next + 1) % len(clients)
			if cand.inFlight.CompareAndSwap(0, int64(seq)+1) {
				c = cand
				break
			}
		}
		if c == nil {
			ev.Skipped++
			continue
		}
		rec.sched[seq].Store(at.Nanoseconds())
		now := time.Since(rec.start)
		rec.sent[seq].Store(now.Nanoseconds())
		lags = append(lags, (now - at).Nanoseconds())
		size, err := c.sendEvent(seq, cfg.Work.event(seq))
		if err != nil {
			rec.fail("send event: %v", err)
			continue
		}
		ev.Sent++
		res.Wire.EventFrame = size
	}
	// Wait for the replies, a bounded time.
	deadline := time.Now().Add(10 * time.Second)
	for rec.events.replied.Load() < int64(ev.Sent) && time.Now().Before(deadline) {
		if err := sleep(ctx, 5*time.Millisecond); err != nil {
			return err
		}
	}
	wall := time.Since(t0)
	ev.WallSecond = wall.Seconds()
	ev.ClientCPU = (cpuTime() - cpu0).Seconds() / wall.Seconds()
	m1, err := getMem(ctx, hc, base, false)
	if err != nil {
		return err
	}
	ev.ServerCPU = (m1.CPUSeconds - m0.CPUSeconds) / wall.Seconds()
	ev.Replied, ev.Patched = rec.events.replied.Load(), rec.events.patched.Load()
	if ev.Replied > 0 {
		// Heartbeats are a few dozen bytes every 20 s per client.
		res.TCP.PerReply = float64(rec.tcp.Read()-tcp0) / float64(ev.Replied)
		res.TCP.ServerCPUPerEvent = (m1.CPUSeconds - m0.CPUSeconds) * 1e6 / float64(ev.Replied)
	}
	if ev.Replied < int64(ev.Sent) {
		rec.fail("%d of %d events got no reply", int64(ev.Sent)-ev.Replied, ev.Sent)
	}
	if ev.Patched < ev.Replied {
		rec.fail("%d of %d event replies carried no patch", ev.Replied-ev.Patched, ev.Replied)
	}
	var lat, svc []int64
	for i := range total {
		if v := rec.lat[i].Load(); v > 0 {
			lat, svc = append(lat, v), append(svc, rec.svc[i].Load())
		}
	}
	ev.Latency, ev.FromSend, ev.SendLag = distOf(lat), distOf(svc), distOf(lags)
	if ev.Patched > 0 {
		res.Wire.ReplyFrame = float64(rec.events.frameBytes.Load()) / float64(ev.Patched)
		res.Wire.PatchBytes = float64(rec.events.dBytes.Load()) / float64(ev.Patched)
		if res.Wire.JoinFrame > 0 {
			res.Wire.PatchVsWhole = res.Wire.ReplyFrame / float64(res.Wire.JoinFrame)
		}
	}
	profWG.Wait()
	return profErr
}

// broadcastPhase broadcasts cfg.Broadcasts messages, one at a time, and
// times each until the last client has its diff.
func broadcastPhase(ctx context.Context, cfg config, hc *http.Client, base string, clients []*client, rec *recorder, res *results) error {
	b := &res.Broadcast
	b.Rounds = cfg.Broadcasts
	if cfg.Broadcasts <= 0 {
		return nil
	}
	m0, err := getMem(ctx, hc, base, false)
	if err != nil {
		return err
	}
	var profWG sync.WaitGroup
	var profErr error
	if cfg.PprofDir != "" {
		// A profile of the phase's first seconds, which its rounds fill.
		secs := max(cfg.Broadcasts/4, 1)
		profWG.Go(func() {
			profErr = saveProfile(ctx, hc, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs),
				filepath.Join(cfg.PprofDir, fmt.Sprintf("cpu-broadcast-%d.pb.gz", cfg.N)))
		})
	}
	cpu0, t0, tcp0 := cpuTime(), time.Now(), rec.tcp.Read()
	var last, median []int64
	var bytes, frames int64
	for round := range cfg.Broadcasts {
		if err := sleep(ctx, 100*time.Millisecond); err != nil {
			return err
		}
		rec.resetDiffs()
		start := time.Since(rec.start).Nanoseconds()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/debug/broadcast", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return fmt.Errorf("broadcast: %w", err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		deadline := time.Now().Add(10 * time.Second)
		for rec.diffs.n.Load() < int64(len(clients)) && time.Now().Before(deadline) {
			if err := sleep(ctx, time.Millisecond); err != nil {
				return err
			}
		}
		got := int(rec.diffs.n.Load())
		b.Delivered = append(b.Delivered, got)
		if got != len(clients) {
			rec.fail("broadcast %d: %d of %d clients got their diff", round, got, len(clients))
		}
		arr := make([]int64, 0, got)
		for i := range min(got, len(rec.diffs.arrivals)) {
			arr = append(arr, rec.diffs.arrivals[i].Load()-start)
		}
		if d := distOf(arr); d.N > 0 {
			last = append(last, int64(d.Max*1e3))
			median = append(median, int64(d.P50*1e3))
		}
		bytes += rec.diffs.bytes.Swap(0)
		frames += int64(got)
	}
	wall := time.Since(t0)
	m1, err := getMem(ctx, hc, base, false)
	if err != nil {
		return err
	}
	b.ClientCPU = (cpuTime() - cpu0).Seconds() / wall.Seconds()
	b.ServerCPU = (m1.CPUSeconds - m0.CPUSeconds) / wall.Seconds()
	b.Last, b.Median = distOf(last), distOf(median)
	if frames > 0 {
		res.Wire.DiffFrame = float64(bytes) / float64(frames)
		res.TCP.PerPush = float64(rec.tcp.Read()-tcp0) / float64(frames)
	}
	profWG.Wait()
	return profErr
}

// getMem asks the server for its memory figures, after a GC.
// gc false skips the collections, to read the CPU time without adding to
// it.
func getMem(ctx context.Context, hc *http.Client, base string, gc bool) (memStats, error) {
	var m memStats
	u := base + "/debug/mem"
	if !gc {
		u += "?gc=0"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return m, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return m, fmt.Errorf("debug/mem: %w", err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return m, fmt.Errorf("debug/mem: %w", err)
	}
	return m, nil
}

// saveProfile fetches a pprof profile into path.
func saveProfile(ctx context.Context, hc *http.Client, u, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	c := *hc
	c.Timeout = 0 // a CPU profile takes its seconds
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("pprof: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof %s: status %d", u, resp.StatusCode)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// loopbackOnly refuses any address but a loopback one: the harness is
// no load tool for other people's servers.
func loopbackOnly(hostport string) error {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return errors.New("loadgen: only loopback addresses (127.0.0.1, ::1, localhost)")
	}
	return nil
}

// loadavg returns the 1, 5 and 15 minute load averages, where /proc has them.
func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	var a, b, c string
	fmt.Sscan(string(data), &a, &b, &c)
	return a + " " + b + " " + c
}
