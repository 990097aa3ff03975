package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/jsonstr"
	"github.com/templive/templive/internal/wire"
)

var (
	rootRE = regexp.MustCompile(`<div id="([^"]+)" data-live-root data-live-session="([^"]+)"`)
	csrfRE = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)"`)
)

// page is what a client needs from the GET: the view's id, its session
// token, the CSRF token and the CSRF cookie.
type page struct {
	id, session, csrf, cookie string
	path                      string
	bytes                     int
}

// getPage GETs the page at path, as a browser's first request.
func getPage(ctx context.Context, hc *http.Client, base, path string) (page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+path, nil)
	if err != nil {
		return page{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return page{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return page{}, fmt.Errorf("GET %s: status %d", path, resp.StatusCode)
	}
	m, c := rootRE.FindSubmatch(body), csrfRE.FindSubmatch(body)
	if m == nil || c == nil {
		return page{}, fmt.Errorf("GET %s: no live root or CSRF token in the page", path)
	}
	p := page{id: string(m[1]), session: string(m[2]), csrf: string(c[1]), path: path, bytes: len(body)}
	for _, ck := range resp.Cookies() {
		if ck.Name == "_live_csrf" {
			p.cookie = ck.Name + "=" + ck.Value
		}
	}
	if p.cookie == "" {
		return page{}, fmt.Errorf("GET %s: no _live_csrf cookie", path)
	}
	return p, nil
}

// A client is one browser tab: one WebSocket joined to one view. Its
// reader goroutine matches replies to events and records diff pushes;
// writes go through send, from any goroutine.
type client struct {
	r       *recorder
	ws      *websocket.Conn
	topic   string
	page    page   // what the client rejoins with
	version uint64 // of the join's render: the harness applies none after it before a storm

	wmu sync.Mutex // guards writes to ws, ref
	ref int        // the last heartbeat's ref

	inFlight atomic.Int64 // sequence number + 1 of the event awaiting its reply, 0 if none
	closing  atomic.Bool
	joined   chan joinResult
	done     chan struct{} // closed when the reader returns
}

type joinResult struct {
	htmlBytes  int // the whole HTML of the view, as a JSON string
	frameBytes int // the join reply frame
	patched    bool
	version    uint64
	err        error
}

// dial opens the live socket as the browser does (CSRF token, cookie,
// Origin), starts the reader and joins the view. It returns once the join
// reply with the first render has arrived.
func dial(ctx context.Context, d *websocket.Dialer, host string, p page, r *recorder) (*client, joinResult, error) {
	return dialJoin(ctx, d, host, p, wire.JoinPayload{Session: p.session, URL: "http://" + host + p.path}, r)
}

// dialJoin is dial with the join payload given: a rejoin that resumes.
func dialJoin(ctx context.Context, d *websocket.Dialer, host string, p page, join wire.JoinPayload, r *recorder) (*client, joinResult, error) {
	h := http.Header{}
	h.Set("Origin", "http://"+host)
	h.Set("Cookie", p.cookie)
	u := "ws://" + host + "/live/websocket?vsn=2.0.0&_csrf_token=" + p.csrf
	ws, resp, err := d.DialContext(ctx, u, h)
	if err != nil {
		if resp != nil {
			err = fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
		}
		return nil, joinResult{}, fmt.Errorf("dial: %w", err)
	}
	c := &client{r: r, ws: ws, topic: wire.TopicPrefix + p.id, page: p, joined: make(chan joinResult, 1), done: make(chan struct{})}
	go c.read()
	if err := c.send(wire.ClientJoin, join.AppendJSON(nil), "1"); err != nil {
		c.close()
		return nil, joinResult{}, fmt.Errorf("join: %w", err)
	}
	select {
	case res := <-c.joined:
		if res.err != nil {
			c.close()
			return nil, res, res.err
		}
		c.version = res.version
		return c, res, nil
	case <-ctx.Done():
		c.close()
		return nil, joinResult{}, fmt.Errorf("join: %w", ctx.Err())
	}
}

// send writes one frame [joinRef, ref, topic, event, payload].
func (c *client) send(event string, payload []byte, ref string) error {
	return c.write(wire.Frame{JoinRef: "1", Ref: ref, Topic: c.topic, Event: event, Payload: payload}.AppendJSON(nil))
}

// write sends one text frame.
func (c *client) write(frame []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, frame)
}

// sendEvent sends click "inc" with ref "e<seq>" and returns the frame's
// size.
func (c *client) sendEvent(seq int, payload []byte) (int, error) {
	f := wire.Frame{JoinRef: "1", Ref: "e" + strconv.Itoa(seq), Topic: c.topic, Event: wire.ClientEvent, Payload: payload}.AppendJSON(nil)
	return len(f), c.write(f)
}

// heartbeat sends the phoenix client's heartbeat, so the server does not
// close the connection as idle.
func (c *client) heartbeat() error {
	c.wmu.Lock()
	c.ref++
	f := wire.Frame{Ref: "h" + strconv.Itoa(c.ref), Topic: "phoenix", Event: "heartbeat"}.AppendJSON(nil)
	c.wmu.Unlock()
	return c.write(f)
}

// close closes the connection and waits for the reader.
func (c *client) close() {
	c.closing.Store(true)
	c.wmu.Lock()
	c.ws.SetWriteDeadline(time.Now().Add(time.Second))
	c.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
	c.wmu.Unlock()
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
	}
	c.ws.Close()
	<-c.done
}

// read reads frames until the connection closes.
func (c *client) read() {
	defer close(c.done)
	joined := false
	for {
		_, data, err := c.ws.ReadMessage()
		now := time.Now()
		if err != nil {
			if !joined {
				c.joined <- joinResult{err: fmt.Errorf("read before join reply: %w", err)}
			} else if !c.closing.Load() {
				c.r.fail("connection lost: %v", err)
			}
			return
		}
		f, err := wire.DecodeFrame(data)
		if err != nil {
			c.r.fail("malformed frame: %v", err)
			continue
		}
		switch f.Event {
		case wire.ServerReply:
			rp, err := wire.DecodeReply(f.Payload)
			if err != nil {
				c.r.fail("malformed reply: %v", err)
				continue
			}
			switch ref := f.Ref; {
			case ref == "1" && !joined:
				joined = true
				if rp.Status != wire.StatusOK {
					c.joined <- joinResult{err: fmt.Errorf("join refused: %s", f.Payload)}
					return
				}
				jr, err := wire.DecodeJoinReply(rp.Response)
				if err != nil || (!jr.Patched && jr.HTML == "") {
					c.joined <- joinResult{err: fmt.Errorf("join reply without the view's HTML: %s (%v)", f.Payload, err)}
					return
				}
				// The HTML as the reply carried it: a JSON string, encoded
				// as the server encodes it.
				c.joined <- joinResult{htmlBytes: len(jsonstr.Append(nil, jr.HTML)), frameBytes: len(data), patched: jr.Patched, version: jr.Version}
			case len(ref) > 1 && ref[0] == 'e':
				seq, err := strconv.Atoi(ref[1:])
				if err != nil {
					c.r.fail("unknown ref %q", ref)
					continue
				}
				c.inFlight.CompareAndSwap(int64(seq)+1, 0)
				if rp.Status != wire.StatusOK {
					c.r.fail("event refused: %s", f.Payload)
					continue
				}
				r, err := wire.DecodeRender(rp.Response)
				if err != nil {
					c.r.fail("malformed render: %v", err)
					continue
				}
				c.r.eventReplied(seq, now, len(r.Patch), len(data))
			case rp.Status != wire.StatusOK:
				c.r.fail("error reply to %s: %s", ref, f.Payload)
			}
		case wire.ServerDiff:
			c.r.diffPushed(now, len(data))
		case wire.ServerError, wire.ServerClose:
			c.r.fail("server sent %s on %s", f.Event, c.topic)
		}
	}
}
