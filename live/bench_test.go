package live_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
)

// benchClient is a minimal browser for benchmarks: it joins a view and
// reads and discards every frame, noting pongs and replies, so it keeps
// nothing the server sends.
type benchClient struct {
	ws      *websocket.Conn
	topic   string
	id      string
	wg      sync.WaitGroup
	replies chan string  // refs of replies and pongs
	bytes   atomic.Int64 // received by the reader goroutine
}

// joinBench GETs path on ts and joins its view.
func joinBench(tb testing.TB, ts *httptest.Server, path string) *benchClient {
	tb.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Get(ts.URL + path)
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	attr := func(prefix string) string {
		s := string(body)
		i := strings.Index(s, prefix)
		if i < 0 {
			tb.Fatalf("page lacks %s", prefix)
		}
		s = s[i+len(prefix):]
		return s[:strings.IndexByte(s, '"')]
	}
	id, session, csrf := attr(`<div id="`), attr(`data-live-session="`), attr(`name="csrf-token" content="`)
	u, _ := url.Parse(ts.URL)
	h := http.Header{"Origin": {ts.URL}}
	for _, c := range jar.Cookies(u) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024}
	ws, _, err := d.Dial("ws://"+u.Host+"/live/websocket?vsn=2.0.0&_csrf_token="+url.QueryEscape(csrf), h)
	if err != nil {
		tb.Fatal(err)
	}
	c := &benchClient{ws: ws, topic: "lv:" + id, id: id, replies: make(chan string, 1024)}
	c.send("1", wire.ClientJoin, wire.JoinPayload{Session: session, URL: ts.URL + path}.AppendJSON(nil))
	c.wg.Go(c.read)
	if ref := <-c.replies; ref != "1" {
		tb.Fatalf("join: got %q", ref)
	}
	return c
}

func (c *benchClient) send(ref, event string, payload []byte) {
	f := wire.Frame{JoinRef: "1", Ref: ref, Topic: c.topic, Event: event, Payload: payload}
	c.ws.WriteMessage(websocket.TextMessage, f.AppendJSON(nil))
}

// read discards frames, reporting reply refs and pong refs.
func (c *benchClient) read() {
	defer close(c.replies)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		c.bytes.Add(int64(len(data)))
		f, err := wire.DecodeFrame(data)
		if err != nil {
			continue
		}
		switch f.Event {
		case wire.ServerReply:
			c.replies <- f.Ref
		case wire.ServerPong:
			if p, err := wire.DecodePong(f.Payload); err == nil {
				c.replies <- p.Ref
			}
		}
	}
}

func (c *benchClient) close() {
	c.ws.Close()
	c.wg.Wait()
}

// heapInUse returns the live heap after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkEventRoundTrip measures a click on a connected counter, from
// the client's send to its receipt of the reply that carries the patch:
// event decoding, HandleEvent, render, parse, diff, encoding and both
// directions of a loopback WebSocket.
func BenchmarkEventRoundTrip(b *testing.B) {
	// One client clicking as fast as it can is what the event rate limits
	// refuse: lift them to measure the pipeline.
	srv, _ := newServer(b, live.Options{EventsPerSecond: -1, Limits: channel.Limits{EventsPerSecond: -1}}, nil)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := joinBench(b, ts, "/counter")
	defer c.close()
	ev := wire.Event{Type: wire.TypeClick, Name: "inc", Values: url.Values{"by": {"1"}}}.AppendJSON(nil)
	n := 1
	for b.Loop() {
		n++
		ref := fmt.Sprint(n)
		c.send(ref, wire.ClientEvent, ev)
		if got := <-c.replies; got != ref {
			b.Fatalf("reply to %s, want %s", got, ref)
		}
	}
}

// BenchmarkStreamMemoryPerView streams 10,000 items into each of 20 views
// and reports the server's memory per view before and after: the server
// keeps no stream items, so the two should match.
func BenchmarkStreamMemoryPerView(b *testing.B) {
	const views, items, batch = 20, 10_000, 50 // a batch fits in the mailbox (DefaultViewMailbox)
	for b.Loop() {
		srv, _ := newServer(b, live.Options{}, func() live.View { return &feed{} })
		srv.Page("/feed", func() live.View { return &feed{} })
		ts := httptest.NewServer(srv)
		clients := make([]*benchClient, views)
		for i := range clients {
			clients[i] = joinBench(b, ts, "/feed")
		}
		before := heapInUse()
		for _, c := range clients {
			for start := 0; start < items; start += batch {
				for i := start; i < start+batch; i++ {
					if err := srv.Send(c.id, postCreated{post{ID: i, Body: fmt.Sprintf("post number %d with some text", i)}}); err != nil {
						b.Fatal(err)
					}
				}
				ref := fmt.Sprint("ping-", start)
				srv.Send(c.id, wire.Ping{Ref: ref})
				for got := range c.replies {
					if got == ref {
						break
					}
				}
			}
		}
		after := heapInUse()
		b.ReportMetric(float64(before)/views, "B/view-before")
		b.ReportMetric((float64(after)-float64(before))/views, "B/view-growth-after-10k-items")
		for _, c := range clients {
			c.close()
		}
		ts.Close()
	}
}
