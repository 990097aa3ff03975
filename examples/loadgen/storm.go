package main

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
)

// storm is what the reconnect storm measured: every connection dropped at
// once (no close frame, as when a load balancer restarts), every client
// reconnecting with the browser client's jittered backoff and resuming.
type storm struct {
	Clients   int     `json:"clients"`
	Resumed   int64   `json:"resumed"`
	Remounted int64   `json:"remounted"`
	Failed    int64   `json:"failed"`
	Attempts  int64   `json:"attempts"` // connects tried, retries included
	Seconds   float64 `json:"seconds"`  // from the drop until the last client rejoined
	Latency   dist    `json:"latency"`  // per client: drop → rejoined
	// PeakHeap and PeakRSS are the server's highest heap in use and RSS
	// seen (polled every 50 ms) from the drop until every client rejoined;
	// Before is what it held, idle, just before.
	Before    memStats `json:"before"`
	PeakHeap  uint64   `json:"peak_heap_inuse"`
	PeakRSS   uint64   `json:"peak_rss"`
	ServerCPU float64  `json:"server_cpu"`
	ClientCPU float64  `json:"client_cpu"`
}

// reconnectSteps are the browser client's reconnect delays (js/src
// constants.js RECONNECT_STEPS), each randomised to 50–100 % of its value.
var reconnectSteps = []time.Duration{10, 50, 100, 150, 200, 250, 500, 1000, 2000, 5000}

func reconnectDelay(try int) time.Duration {
	ms := reconnectSteps[min(try, len(reconnectSteps))-1] * time.Millisecond
	return time.Duration(float64(ms) * (0.5 + rand.Float64()/2))
}

// stormPhase drops every client's connection at once and reconnects them
// all, each asking to resume its view, and returns the new clients.
func stormPhase(ctx context.Context, hc *http.Client, base, host string, clients []*client, rec *recorder, res *results) ([]*client, error) {
	st := &res.Storm
	st.Clients = len(clients)
	var err error
	if st.Before, err = getMem(ctx, hc, base, true); err != nil {
		return clients, err
	}
	// Poll the server's memory until every client is back.
	pollCtx, stopPoll := context.WithCancel(ctx)
	var pollWG sync.WaitGroup
	var peakHeap, peakRSS atomic.Uint64
	pollWG.Go(func() {
		for sleep(pollCtx, 50*time.Millisecond) == nil {
			m, err := getMem(pollCtx, hc, base, false)
			if err != nil {
				continue
			}
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
			if m.RSS > peakRSS.Load() {
				peakRSS.Store(m.RSS)
			}
		}
	})
	m0, err := getMem(ctx, hc, base, false)
	if err != nil {
		stopPoll()
		return clients, err
	}

	d := &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}}
	cpu0, t0 := cpuTime(), time.Now()
	for _, c := range clients {
		c.drop()
	}
	next := make([]*client, len(clients))
	lat := make([]int64, len(clients))
	var wg sync.WaitGroup
	for i, old := range clients {
		wg.Go(func() {
			join := wire.JoinPayload{Session: old.page.session, URL: "http://" + host + old.page.path, Resume: true, Version: old.version}
			for try := 1; ; try++ {
				if sleep(ctx, reconnectDelay(try)) != nil {
					atomic.AddInt64(&st.Failed, 1)
					return
				}
				atomic.AddInt64(&st.Attempts, 1)
				c, jr, err := dialJoin(ctx, d, host, old.page, join, rec)
				if err != nil {
					continue // refused (server busy) or the server did not answer: back off
				}
				lat[i] = time.Since(t0).Nanoseconds()
				next[i] = c
				if jr.patched {
					atomic.AddInt64(&st.Resumed, 1)
				} else {
					atomic.AddInt64(&st.Remounted, 1)
				}
				return
			}
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	stopPoll()
	pollWG.Wait()
	m1, err := getMem(ctx, hc, base, false)
	if err != nil {
		return clients, err
	}
	st.Seconds = wall.Seconds()
	st.Latency = distOf(lat)
	st.PeakHeap, st.PeakRSS = peakHeap.Load(), peakRSS.Load()
	st.ServerCPU = (m1.CPUSeconds - m0.CPUSeconds) / wall.Seconds()
	st.ClientCPU = (cpuTime() - cpu0).Seconds() / wall.Seconds()
	var ok []*client
	for _, c := range next {
		if c != nil {
			ok = append(ok, c)
		}
	}
	if st.Remounted > 0 {
		rec.fail("storm: %d of %d views remounted instead of resuming", st.Remounted, len(clients))
	}
	return ok, ctx.Err()
}

// drop cuts the connection as a failing network does, without a close
// frame, and waits for the reader.
func (c *client) drop() {
	c.closing.Store(true)
	c.ws.UnderlyingConn().Close()
	<-c.done
}
