package main

import (
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/a-h/templ"
	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/benchpage"
	"github.com/templive/templive/internal/netcount"
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
)

// BenchmarkCompression measures permessage-deflate on the demo's counter
// and feed (its own views, in its layout) and on the big pages of package
// benchpage: per join (GET, connect, join, close) and per update (a click
// and its reply; for the feed, a post by someone else and its push), with
// compression off, on (frames from 1 KB deflated, the option's default)
// and on for every frame. It reports the bytes the client received as
// TCP carried them (frame headers and, when deflated, deflated payloads),
// the bytes of the frames as the client read them, and the CPU of the
// process: server and client both, and for the feed, SQLite.
//
//	go test ./examples/demo -run '^$' -bench Compression -benchtime 400x -count 3
func BenchmarkCompression(b *testing.B) {
	modes := []struct {
		name string
		c    channel.Compression
	}{
		{"off", channel.Compression{}},
		{"on", channel.Compression{Enabled: true}},
		{"on-all", channel.Compression{Enabled: true, MinSize: -1}},
	}
	pages := []struct {
		name, path string
		// update sends the click of update i, or does what pushes to the
		// client; it returns the ref of the reply to wait for, or "" to wait
		// for a push.
		update func(b *testing.B, a *app, c *compressClient, i int) string
	}{
		{"counter", "/counter", clickUpdate("inc", nil)},
		{"feed", "/feed", func(b *testing.B, a *app, c *compressClient, i int) string {
			if _, err := a.store.CreatePost(b.Context(), "bench", fmt.Sprintf("Post number %d: a few words about the weather, the bus and lunch.", i)); err != nil {
				b.Fatal(err)
			}
			return ""
		}},
		{"table-57KB", "/bench/table", clickUpdate("bump", func(i int) url.Values {
			return url.Values{"id": {strconv.Itoa(i * 37 % benchpage.TableRows)}}
		})},
		{"article-40KB", "/bench/article", clickUpdate("tick", func(i int) url.Values {
			return url.Values{"i": {strconv.Itoa(i)}}
		})},
	}
	for _, pg := range pages {
		for _, what := range []string{"join", "update"} {
			for _, m := range modes {
				b.Run(pg.name+"/"+what+"/"+m.name, func(b *testing.B) {
					a, ts := compressServer(b, m.c)
					var wireBytes, frames int64
					cpu0 := processCPU()
					if what == "join" {
						for b.Loop() {
							c := joinCompressed(b, ts, pg.path)
							wireBytes += c.wire()
							frames += c.frameBytes
							c.close()
						}
					} else {
						c := joinCompressed(b, ts, pg.path)
						defer c.close()
						wire0, frames0, i := c.wire(), c.frameBytes, 0
						cpu0 = processCPU()
						for b.Loop() {
							i++
							c.await(b, pg.update(b, a, c, i))
						}
						wireBytes, frames = c.wire()-wire0, c.frameBytes-frames0
					}
					b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
					b.ReportMetric(float64(wireBytes)/float64(b.N), "wire-B/op")
					b.ReportMetric(float64(frames)/float64(b.N), "frame-B/op")
				})
			}
		}
	}
}

// BenchmarkDeflate is what compression costs the server and the client per
// frame, without the noise of the rest of a join or an update: deflating
// and inflating the real join reply and update frame of each page of
// BenchmarkCompression as gorilla does (compress/flate at level 1, a
// compressor reset for each frame, no context takeover).
//
//	go test ./examples/demo -run '^$' -bench Deflate -count 3
func BenchmarkDeflate(b *testing.B) {
	a, ts := compressServer(b, channel.Compression{})
	for _, pg := range []struct{ name, path, event string }{
		{"counter", "/counter", "inc"}, {"feed", "/feed", ""}, {"table-57KB", "/bench/table", "bump"}, {"article-40KB", "/bench/article", "tick"},
	} {
		c := joinCompressed(b, ts, pg.path)
		join := c.last
		if pg.event == "" {
			if _, err := a.store.CreatePost(b.Context(), "bench", "A post of a sentence, as people write them, about lunch."); err != nil {
				b.Fatal(err)
			}
			c.await(b, "")
		} else {
			c.send(b, "2", wire.ClientEvent, wire.Event{Type: wire.TypeClick, Name: pg.event, Values: url.Values{"id": {"7"}, "i": {"3"}}}.AppendJSON(nil))
			c.await(b, "2")
		}
		update := c.last
		c.close()
		for _, f := range []struct {
			name string
			data []byte
		}{{"join", join}, {"update", update}} {
			var buf bytes.Buffer
			w, _ := flate.NewWriter(&buf, flate.BestSpeed)
			deflate := func() {
				buf.Reset()
				w.Reset(&buf)
				w.Write(f.data)
				w.Flush()
			}
			b.Run(pg.name+"/"+f.name+"/deflate", func(b *testing.B) {
				cpu0 := processCPU()
				for b.Loop() {
					deflate()
				}
				b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(len(f.data)), "frame-B")
				b.ReportMetric(float64(buf.Len()-4), "deflated-B") // the flush's empty block is not sent
			})
			deflate()
			deflated := bytes.Clone(buf.Bytes())
			r := flate.NewReader(nil)
			b.Run(pg.name+"/"+f.name+"/inflate", func(b *testing.B) {
				cpu0 := processCPU()
				for b.Loop() {
					r.(flate.Resetter).Reset(bytes.NewReader(deflated), nil)
					if _, err := io.Copy(io.Discard, r); err != nil && err != io.ErrUnexpectedEOF {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((processCPU()-cpu0).Nanoseconds())/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// clickUpdate returns an update that sends a click on name with the
// values of update i.
func clickUpdate(name string, values func(i int) url.Values) func(*testing.B, *app, *compressClient, int) string {
	return func(b *testing.B, _ *app, c *compressClient, i int) string {
		var v url.Values
		if values != nil {
			v = values(i)
		}
		ref := strconv.Itoa(i + 1)
		c.send(b, ref, wire.ClientEvent, wire.Event{Type: wire.TypeClick, Name: name, Values: v}.AppendJSON(nil))
		return ref
	}
}

// compressServer serves the demo's counter and feed, and the big pages of
// package benchpage, in the demo's layout, with compression c and no
// event rate limit; the feed holds its 50 posts.
func compressServer(b *testing.B, c channel.Compression) (*app, *httptest.Server) {
	a, err := newApp(config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	for i := range feedSize {
		if _, err := a.store.CreatePost(b.Context(), "seed", fmt.Sprintf("Seed post %d, with a sentence or two of text as people write them.", i)); err != nil {
			b.Fatal(err)
		}
	}
	lv := live.NewServer(live.Options{
		Secret: make([]byte, 32), PubSub: a.ps, Layout: layout, Logger: slog.New(slog.DiscardHandler),
		MountOnce: true, Compression: c,
		EventsPerSecond: -1, Limits: channel.Limits{EventsPerSecond: -1, MaxConnections: -1},
	})
	lv.Page("/counter", func() live.View { return &Counter{} })
	lv.Page("/feed", func() live.View {
		return &FeedLive{store: a.store, media: a.media, limits: newLimits(), notes: a.notes}
	})
	lv.Page("/bench/table", func() live.View { return &benchPage{table: benchpage.NewTable()} })
	lv.Page("/bench/article", func() live.View { return &benchPage{article: &benchpage.Article{}} })
	ts := httptest.NewServer(lv)
	b.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lv.Shutdown(ctx)
		a.shutdown(ctx)
		a.close()
	})
	return a, ts
}

// benchPage is the table or the article of package benchpage.
type benchPage struct {
	table   *benchpage.Table
	article *benchpage.Article
}

func (p *benchPage) Mount(context.Context, *live.Socket, url.Values) error { return nil }

func (p *benchPage) Render() templ.Component {
	if p.table != nil {
		return p.table.Component()
	}
	return p.article.Component()
}

func (p *benchPage) HandleEvent(_ context.Context, _ *live.Socket, ev live.Event) error {
	n, err := strconv.Atoi(ev.Value(cmpOr(ev.Name == "tick", "i", "id")))
	if err != nil || n < 0 {
		return nil
	}
	switch {
	case ev.Name == "bump" && p.table != nil && n < benchpage.TableRows:
		p.table.Bump(n)
	case ev.Name == "tick" && p.article != nil:
		p.article.Tick(n)
	}
	return nil
}

func cmpOr(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// compressClient is a browser reduced to its live socket, offering
// permessage-deflate as browsers do.
type compressClient struct {
	ws         *websocket.Conn
	topic      string
	n          netcount.Counter // the connection's bytes
	handshake  int64            // the bytes of the handshake's answer
	frameBytes int64            // the bytes of the frames read, inflated
	last       []byte           // the last frame awaited
}

// wire returns the bytes received after the handshake, as TCP carried
// them.
func (c *compressClient) wire() int64 { return c.n.Read() - c.handshake }

var (
	rootRE = regexp.MustCompile(`<div id="([^"]+)" data-live-root data-live-session="([^"]+)"`)
	csrfRE = regexp.MustCompile(`name="csrf-token" content="([^"]+)"`)
)

// joinCompressed GETs path and joins its view.
func joinCompressed(b *testing.B, ts *httptest.Server, path string) *compressClient {
	jar, _ := cookiejar.New(nil)
	resp, err := (&http.Client{Jar: jar}).Get(ts.URL + path)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	root, csrf := rootRE.FindSubmatch(body), csrfRE.FindSubmatch(body)
	if root == nil || csrf == nil {
		b.Fatalf("%s: no live root or CSRF token in the page", path)
	}
	u, _ := url.Parse(ts.URL)
	h := http.Header{"Origin": {ts.URL}}
	for _, ck := range jar.Cookies(u) {
		h.Add("Cookie", ck.Name+"="+ck.Value)
	}
	c := &compressClient{topic: wire.TopicPrefix + string(root[1])}
	d := websocket.Dialer{EnableCompression: true, NetDialContext: c.n.DialContext}
	ws, _, err := d.Dial("ws://"+u.Host+"/live/websocket?vsn=2.0.0&_csrf_token="+url.QueryEscape(string(csrf[1])), h)
	if err != nil {
		b.Fatal(err)
	}
	// The server sends nothing before the join: what was read so far is
	// the handshake's answer.
	c.ws, c.handshake = ws, c.n.Read()
	c.send(b, "1", wire.ClientJoin, wire.JoinPayload{Session: string(root[2]), URL: ts.URL + path}.AppendJSON(nil))
	c.await(b, "1")
	return c
}

func (c *compressClient) send(b *testing.B, ref, event string, payload []byte) {
	f := wire.Frame{JoinRef: "1", Ref: ref, Topic: c.topic, Event: event, Payload: payload}
	if err := c.ws.WriteMessage(websocket.TextMessage, f.AppendJSON(nil)); err != nil {
		b.Fatal(err)
	}
}

// await reads frames until the reply to ref, or the first push when ref
// is "".
func (c *compressClient) await(b *testing.B, ref string) {
	c.ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			b.Fatal(err)
		}
		c.frameBytes += int64(len(data))
		f, err := wire.DecodeFrame(data)
		if err != nil {
			b.Fatal(err)
		}
		if ref == "" && f.Event == wire.ServerDiff || ref != "" && f.Event == wire.ServerReply && f.Ref == ref {
			c.last = data
			return
		}
	}
}

func (c *compressClient) close() { c.ws.Close() }

// processCPU returns the CPU time this process has used, garbage
// collection included.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
