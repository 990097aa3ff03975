package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
)

// benchTopic is the PubSub topic every connected counter subscribes to.
const benchTopic = "bench"

// bump is the message /debug/broadcast sends: every counter takes its
// value and re-renders.
type bump int

// counter is the benchmark's view: one int, two buttons, and a
// subscription to benchTopic once connected.
type counter struct {
	Count int
	own   int64 // with ?own=1: a number of the view's own, added to every value it shows
}

func (c *counter) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	c.own = ownNumber(s, params)
	if s.Connected() {
		return s.Subscribe(benchTopic)
	}
	return nil
}

func (c *counter) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, counterHTML, c.own*1_000_000_000+int64(c.Count))
		return err
	})
}

// counterHTML is the counter page: a few hundred bytes, like a small
// real widget, so that "patch versus whole HTML" compares with something.
const counterHTML = `<main class="counter"><h1>Counter</h1>` +
	`<p>A live counter: every click is a round trip to the server, which re-renders this view and sends the browser a patch.</p>` +
	`<p class="value">Count: <output id="count">%d</output></p>` +
	`<div class="buttons"><button live-click="dec" aria-label="decrement">−</button> ` +
	`<button live-click="inc" aria-label="increment">+</button></div>` +
	`<footer><small>templive load harness</small></footer></main>`

func (c *counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		c.Count++
	case "dec":
		c.Count--
	}
	return nil
}

func (c *counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if b, ok := msg.(bump); ok {
		c.Count = int(b)
	}
	return nil
}

// benchServer is the server under load: the live server, its PubSub and
// the debug endpoints on one handler.
type benchServer struct {
	lv  *live.Server
	ps  *pubsub.PubSub
	mux *http.ServeMux
	seq atomic.Int64
}

// newBenchServer builds the server; the caller must call close.
// mailbox is each view's PubSub mailbox capacity (0: the default).
// comp is the live socket's compression.
func newBenchServer(logger *slog.Logger, mailbox int, comp channel.Compression) (*benchServer, error) {
	ps, err := pubsub.New(pubsub.Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	secret := make([]byte, 32)
	rand.Read(secret)
	// Every simulated client connects from the loopback address, as many
	// as -n asks for: the connection cap is lifted.
	lv := live.NewServer(live.Options{Secret: secret, PubSub: ps, Logger: logger,
		Limits: channel.Limits{MailboxSize: mailbox, MaxConnections: -1}, Compression: comp})
	lv.Page("/counter", func() live.View { return &counter{} })
	lv.Page("/table", func() live.View { return &table{} })
	lv.Page("/rows", func() live.View { return &rows{} })
	lv.Page("/article", func() live.View { return &article{} })

	b := &benchServer{lv: lv, ps: ps, mux: http.NewServeMux()}
	b.mux.Handle("/", lv)
	b.mux.HandleFunc("GET /debug/mem", b.serveMem)
	b.mux.HandleFunc("POST /debug/broadcast", b.serveBroadcast)
	b.mux.HandleFunc("/debug/pprof/", pprof.Index)
	b.mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	b.mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	b.mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	b.mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return b, nil
}

func (b *benchServer) ServeHTTP(w http.ResponseWriter, r *http.Request) { b.mux.ServeHTTP(w, r) }

// close ends every live view and the PubSub.
func (b *benchServer) close(ctx context.Context) error {
	err := b.lv.Shutdown(ctx)
	if cerr := b.ps.Close(); err == nil {
		err = cerr
	}
	return err
}

// memStats is what /debug/mem answers, after a GC unless ?gc=0.
type memStats struct {
	HeapInuse  uint64  `json:"heap_inuse"`
	HeapAlloc  uint64  `json:"heap_alloc"`
	StackInuse uint64  `json:"stack_inuse"`
	Sys        uint64  `json:"sys"`
	RSS        uint64  `json:"rss"`
	Goroutines int     `json:"goroutines"`
	Subs       int     `json:"subscribers"`
	CPUSeconds float64 `json:"cpu_seconds"` // user + system time of the process so far
}

func (b *benchServer) serveMem(w http.ResponseWriter, r *http.Request) {
	// Several cycles: the second collects what finalizers of the first
	// released, and each halves the stacks of goroutines that use less
	// than a quarter of theirs, as a long-running server's GCs would.
	// ?gc=0 skips them, to read the CPU time without adding to it.
	if r.URL.Query().Get("gc") != "0" {
		for range 4 {
			runtime.GC()
		}
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	out := memStats{
		HeapInuse: ms.HeapInuse, HeapAlloc: ms.HeapAlloc, StackInuse: ms.StackInuse, Sys: ms.Sys,
		RSS: rss(), Goroutines: runtime.NumGoroutine(), Subs: b.ps.Subscribers(benchTopic), CPUSeconds: cpuSeconds(),
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(out)
}

// serveBroadcast sends one bump on benchTopic; its value is a sequence
// number, so every view's count (and its patch) changes.
func (b *benchServer) serveBroadcast(w http.ResponseWriter, r *http.Request) {
	n := b.seq.Add(1)
	if err := b.ps.Broadcast(r.Context(), benchTopic, bump(1_000_000+n)); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintf(w, "%d\n", b.ps.Subscribers(benchTopic))
}

// rss reads the resident set size of this process from /proc (0 where
// there is no /proc).
func rss() uint64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// cpuSeconds returns the user + system CPU time of this process.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return tv(ru.Utime) + tv(ru.Stime)
}

func tv(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
