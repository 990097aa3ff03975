package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
)

// The attacker's side of abuse_test.go: the demo served on a loopback
// port by its own http.Server, and clients that speak to it only as a
// browser or a script over the network would, in the browser's frames.
// Nothing here reaches into the server; the tests that measure memory read
// the process's heap, which the server shares with them.

// target is the demo under attack, in development mode (so /dev/token
// hands out socket tokens for any name, as the sign-in form does for
// pages), with its warnings kept so a test can count what the server says
// it did.
type target struct {
	t    *testing.T
	app  *app
	base string // http://127.0.0.1:port
	logs *syncBuffer
	http *http.Client // no cookies: for tokens and plain requests
}

// attackDemo serves the demo until the test ends.
func attackDemo(t *testing.T) *target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := newApp(config{listener: ln, dev: true}, logger)
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	srv := newHTTPServer(a.mux, httpLimits{})
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	tg := &target{t: t, app: a, base: "http://" + ln.Addr().String(), logs: logs,
		http: &http.Client{Timeout: 10 * time.Second}}
	t.Cleanup(func() {
		tg.http.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("HTTP shutdown: %v", err)
		}
		if err := a.shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		a.close()
	})
	return tg
}

// host is the target's host:port.
func (tg *target) host() string { return strings.TrimPrefix(tg.base, "http://") }

// slowCloses counts the connections the server has closed as too slow.
func (tg *target) slowCloses() int {
	return strings.Count(tg.logs.String(), "closing a slow client")
}

// syncBuffer is a bytes.Buffer safe for concurrent use, for logs.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// socketToken returns a /socket token for user, as the Channels page
// embeds one for whoever signed in under any name they chose.
func (tg *target) socketToken(user string) (string, error) {
	resp, err := tg.http.Get(tg.base + "/dev/token?user=" + url.QueryEscape(user))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	tok, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET /dev/token?user=%s: status %d, %v", user, resp.StatusCode, err)
	}
	return string(tok), nil
}

// browser is one cookie jar: the pages and the sign-ins of one browser.
type browser struct {
	tg   *target
	http *http.Client
}

func (tg *target) browser() *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{tg: tg, http: &http.Client{
		Jar:     jar,
		Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
	tg.t.Cleanup(b.http.CloseIdleConnections)
	return b
}

// signIn signs the browser in as name, from the site's own form.
func (b *browser) signIn(name string) {
	t := b.tg.t
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.tg.base+"/signin", strings.NewReader(url.Values{"name": {name}, "next": {"/"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.tg.base)
	resp, err := b.http.Do(req)
	if err != nil {
		t.Fatalf("sign in as %s: %v", name, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in as %s: status %d", name, resp.StatusCode)
	}
}

// livePage is what a live page's GET gives the browser to join its view
// with.
type livePage struct {
	id, session, csrf, url string
}

// page GETs path and reads its live root.
func (b *browser) page(path string) livePage {
	t := b.tg.t
	t.Helper()
	resp, err := b.http.Get(b.tg.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, %v", path, resp.StatusCode, err)
	}
	id, session, csrf := liveRoot(body)
	if id == "" || session == "" || csrf == "" {
		t.Fatalf("GET %s: no live root or CSRF token", path)
	}
	return livePage{id: id, session: session, csrf: csrf, url: b.tg.base + path}
}

// liveSocket opens the live socket with the browser's cookies and the
// CSRF token of one of its pages, from the site's own origin.
func (b *browser) liveSocket(csrf string, rcvBuf int) (*wsClient, error) {
	u, _ := url.Parse(b.tg.base)
	var cookies []string
	for _, c := range b.http.Jar.Cookies(u) {
		cookies = append(cookies, c.Name+"="+c.Value)
	}
	h := http.Header{"Origin": {b.tg.base}, "Cookie": {strings.Join(cookies, "; ")}}
	return b.tg.dial("/live/websocket?vsn=2.0.0&_csrf_token="+url.QueryEscape(csrf), h, rcvBuf)
}

// channels opens /socket as user, from the site's own origin.
func (tg *target) channels(user string, rcvBuf int) (*wsClient, error) {
	tok, err := tg.socketToken(user)
	if err != nil {
		return nil, err
	}
	return tg.dial("/socket/websocket?vsn=2.0.0&token="+url.QueryEscape(tok), http.Header{"Origin": {tg.base}}, rcvBuf)
}

// dial opens a WebSocket to path. A positive rcvBuf sets the socket's
// receive buffer before the handshake, as a client that wants the server,
// not the kernel, to hold what it does not read would.
func (tg *target) dial(path string, h http.Header, rcvBuf int) (*wsClient, error) {
	d := *websocket.DefaultDialer
	if rcvBuf > 0 {
		nd := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvBuf)
			})
			if err != nil {
				return err
			}
			return serr
		}}
		d.NetDialContext = nd.DialContext
	}
	ws, resp, err := d.Dial("ws://"+tg.host()+path, h)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: %w (status %d)", path, err, resp.StatusCode)
		}
		return nil, fmt.Errorf("dial %s: %w", path, err)
	}
	c := &wsClient{ws: ws}
	tg.t.Cleanup(func() { ws.Close() })
	return c, nil
}

// wsClient speaks the Phoenix V2 envelope, [join_ref, ref, topic, event,
// payload], which both the live socket and /socket use, through
// internal/wire. Its methods return errors rather than fail the test, so
// that attackers can run on their own goroutines. One goroutine writes
// and one reads at a time.
type wsClient struct {
	ws  *websocket.Conn
	ref int
}

// push sends event on topic and returns its ref. A phx_join is its own
// join ref, as the phoenix client makes it. A payload that is not
// json.RawMessage (what a wire type's AppendJSON gives) is marshalled.
func (c *wsClient) push(joinRef, topic, event string, payload any) (string, error) {
	c.ref++
	ref := strconv.Itoa(c.ref)
	if event == wire.ClientJoin {
		joinRef = ref
	}
	raw, ok := payload.(json.RawMessage)
	if !ok {
		var err error
		if raw, err = json.Marshal(payload); err != nil {
			return "", err
		}
	}
	msg := wire.Frame{JoinRef: joinRef, Ref: ref, Topic: topic, Event: event, Payload: raw}.AppendJSON(nil)
	if err := c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return "", err
	}
	return ref, c.ws.WriteMessage(websocket.TextMessage, msg)
}

// pushEvent sends a live view's binding event and returns its ref.
func (c *wsClient) pushEvent(joinRef string, p livePage, ev wire.Event) (string, error) {
	return c.push(joinRef, wire.TopicPrefix+p.id, wire.ClientEvent, json.RawMessage(ev.AppendJSON(nil)))
}

// next reads the next frame, waiting at most 10 s.
func (c *wsClient) next() (channelFrame, error) { return c.nextWithin(10 * time.Second) }

// nextWithin reads the next frame, waiting at most d; 0 waits as long as
// the connection lasts.
func (c *wsClient) nextWithin(d time.Duration) (channelFrame, error) {
	var deadline time.Time
	if d > 0 {
		deadline = time.Now().Add(d)
	}
	if err := c.ws.SetReadDeadline(deadline); err != nil {
		return channelFrame{}, err
	}
	_, data, err := c.ws.ReadMessage()
	if err != nil {
		return channelFrame{}, err
	}
	f, err := wire.DecodeFrame(data)
	if err != nil {
		return channelFrame{}, fmt.Errorf("frame %.200s: %w", data, err)
	}
	return channelFrame{Frame: f, size: len(data)}, nil
}

// skim reads the next frame, as long as the connection lasts, and
// decodes the envelope's event alone: a reader that only counts frames
// of 12 KB need not check every payload, which, under the race detector,
// would make it the slow client.
func (c *wsClient) skim() (event string, data []byte, err error) {
	if err := c.ws.SetReadDeadline(time.Time{}); err != nil {
		return "", nil, err
	}
	if _, data, err = c.ws.ReadMessage(); err != nil {
		return "", nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
		return "", nil, fmt.Errorf("frame %.200s: not an array", data)
	}
	for range 4 {
		tok, err := dec.Token()
		if err != nil {
			return "", nil, fmt.Errorf("frame %.200s: %w", data, err)
		}
		event, _ = tok.(string) // the fourth is the event
	}
	return event, data, nil
}

// answer is a reply's status and the reason of its response, if any.
type answer struct{ status, reason string }

// decodeAnswer decodes a phx_reply's payload. The response of a Channels
// reply is the channel's own; its "reason" is all the tests read.
func decodeAnswer(payload []byte) (answer, error) {
	r, err := wire.DecodeReply(payload)
	if err != nil {
		return answer{}, err
	}
	var resp struct {
		Reason string `json:"reason"`
	}
	if r.Status == wire.StatusError {
		if err := json.Unmarshal(r.Response, &resp); err != nil {
			return answer{}, fmt.Errorf("reply %s: %w", payload, err)
		}
	}
	return answer{r.Status, resp.Reason}, nil
}

// reply reads frames until the reply to ref, and returns its status and
// the reason of its response, if any.
func (c *wsClient) reply(ref string) (status, reason string, err error) {
	_, status, reason, err = c.replyFrame(ref)
	return status, reason, err
}

// replyFrame is reply with the reply's frame.
func (c *wsClient) replyFrame(ref string) (f channelFrame, status, reason string, err error) {
	for {
		f, err := c.next()
		if err != nil {
			return channelFrame{}, "", "", fmt.Errorf("waiting for the reply to %s: %w", ref, err)
		}
		if f.Event != wire.ServerReply || f.Ref != ref {
			continue
		}
		a, err := decodeAnswer(f.Payload)
		return f, a.status, a.reason, err
	}
}

// replies reads frames until every ref of expect is answered, in whatever
// order the server answers, and returns every reply read by then, by ref.
func (c *wsClient) replies(expect []string) (map[string]answer, error) {
	got := map[string]answer{}
	missing := len(expect)
	want := map[string]bool{}
	for _, ref := range expect {
		want[ref] = true
	}
	for missing > 0 {
		f, err := c.next()
		if err != nil {
			return got, fmt.Errorf("%d replies of %d missing: %w", missing, len(expect), err)
		}
		if f.Event != wire.ServerReply {
			continue
		}
		a, err := decodeAnswer(f.Payload)
		if err != nil {
			return got, err
		}
		if _, seen := got[f.Ref]; !seen && want[f.Ref] {
			missing--
		}
		got[f.Ref] = a
	}
	return got, nil
}

// join joins topic with payload and returns the join ref and the reply.
func (c *wsClient) join(topic string, payload any) (joinRef, status, reason string, err error) {
	ref, err := c.push("", topic, wire.ClientJoin, payload)
	if err != nil {
		return "", "", "", err
	}
	status, reason, err = c.reply(ref)
	return ref, status, reason, err
}

// joinView joins the live view of p, with the url-encoded forms a rejoin
// recovers (nil for none).
func (c *wsClient) joinView(p livePage, forms map[string]string) (joinRef, status, reason string, err error) {
	join := wire.JoinPayload{Session: p.session, URL: p.url, Form: forms}
	return c.join(wire.TopicPrefix+p.id, json.RawMessage(join.AppendJSON(nil)))
}

// closedBy reads whatever the server had sent, until the connection ends
// or d passes, and returns the error that ended it; nil if it is still
// open after d.
func (c *wsClient) closedBy(d time.Duration) error {
	deadline := time.Now().Add(d)
	if err := c.ws.SetReadDeadline(deadline); err != nil {
		return err
	}
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			if ne := net.Error(nil); errors.As(err, &ne) && ne.Timeout() {
				return nil
			}
			return err
		}
	}
}

// tooSlow reports whether err is how the server ends a connection it
// closed as too slow: its close frame (1008, "client too slow"), or, when
// the client's buffers were too full for the close frame to fit, the
// TCP connection's end without one (gorilla's 1006, or a reset when the
// server dropped the connection with the client's frames unread).
func tooSlow(err error) bool {
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code == websocket.ClosePolicyViolation && ce.Text == "client too slow" ||
			ce.Code == websocket.CloseAbnormalClosure
	}
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF)
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() int64 {
	runtime.GC()
	return heapLive()
}

// heapLive returns the bytes of heap objects the last collection found
// live: what the process held then, garbage left out, read without
// forcing a collection (which, done every few milliseconds, would slow
// the server under test to a crawl).
func heapLive() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// heapWatch follows the live heap until stopped, keeping its highest
// growth over the baseline it was started with. The collector runs
// often during a flood, each time the heap doubles, so the highest live
// heap it finds is close to the most the server held.
type heapWatch struct {
	base     int64
	stop     chan struct{}
	done     chan struct{}
	mu       sync.Mutex // guards peak
	peak     int64
	exceeded chan struct{} // closed once the growth passes the limit
}

// watchHeap starts following the heap; growth past limit closes
// exceeded, so that a flood can stop before it takes the machine's
// memory.
func watchHeap(limit int64) *heapWatch {
	w := &heapWatch{base: liveHeap(), stop: make(chan struct{}), done: make(chan struct{}), exceeded: make(chan struct{})}
	go func() {
		defer close(w.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			w.sample(heapLive(), limit)
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

func (w *heapWatch) sample(live, limit int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if g := live - w.base; g > w.peak {
		w.peak = g
		if g > limit {
			select {
			case <-w.exceeded:
			default:
				close(w.exceeded)
			}
		}
	}
}

// finish stops following the heap, takes a last measure after a full
// collection and returns the peak growth.
func (w *heapWatch) finish() int64 {
	close(w.stop)
	<-w.done
	w.sample(liveHeap(), math.MaxInt64)
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.peak
}

// mib formats a byte count in MiB.
func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// postRawBody posts a form of size bytes (name=aaa…) to path over a
// connection of its own, as a script would: the body is written while
// the response is read, so that a server answering before it has read
// the body is heard. It returns the response's status.
func (tg *target) postRawBody(path string, size int) int {
	t := tg.t
	conn, err := net.Dial("tcp", tg.host())
	if err != nil {
		t.Errorf("dial: %v", err)
		return 0
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nOrigin: %s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\nname=",
		path, tg.host(), tg.base, size)
	go func() {
		// A write fails once the server has answered and closed: that is
		// the point.
		if _, err := io.WriteString(conn, head); err != nil {
			return
		}
		chunk := bytes.Repeat([]byte("a"), 64<<10)
		for left := size - len("name="); left > 0; left -= len(chunk) {
			if _, err := conn.Write(chunk[:min(left, len(chunk))]); err != nil {
				return
			}
		}
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Errorf("POST %s: %v", path, err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
