package channel

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// The long-poll transport, for networks that block WebSockets. It speaks
// the protocol of the phoenix client's LongPoll, at "<mount
// path>/longpoll":
//
//   - GET without a token (or with one this socket did not sign, the
//     application's "token" connect param) opens a session: the request
//     passes the checks
//     of a WebSocket upgrade (version, origin, Connect) and is answered
//     {"status":410,"token":T,"messages":[]}; 403 when Connect refuses.
//   - GET with the token waits up to longPollWindow for frames: 200 with
//     the frames waiting (each a string: a text frame as it is, a binary
//     frame in base64), or 204 with none.
//   - POST with the token sends frames, one a line (application/x-ndjson;
//     a line not starting with "[" is a binary frame in base64), answered
//     200 once the connection's reader has taken them all.
//   - A token whose session is gone is answered 410:
//     the client reconnects with a new session and rejoins its channels.
//
// Every answer is HTTP 200 with the status in its JSON body, as Phoenix
// does. A session is a client of the same loop as a WebSocket's (client.go):
// the frames POSTed feed its reader, and its writer hands frames to the
// polls. The session ends like a WebSocket that has gone silent when no
// request has been in flight for the idle timeout (at most
// longPollExpiry), and its frames waiting for a poll are bounded like a
// WebSocket's send buffer (longPollBufferBytes).
const (
	// longPollWindow is how long a GET waits for frames, as in Phoenix.
	longPollWindow = 10 * time.Second
	// longPollExpiry is the longest a session lives without a request in
	// flight (Phoenix: 1.5 windows).
	longPollExpiry = 15 * time.Second
	// longPollBufferBytes bounds the frames written to a session and not
	// yet taken by a poll; a larger frame is taken when nothing waits.
	// Beyond it the writer waits for a poll, and a client that does not
	// poll is found out as too slow, as over a WebSocket.
	longPollBufferBytes = 256 << 10
	// longPollMaxBatch is the most frames one POST may carry (the
	// phoenix client's MAX_LONGPOLL_BATCH_SIZE).
	longPollMaxBatch = 100
	// longPollTokenHeader carries the token for newer phoenix clients;
	// older ones send it in the "token" query parameter.
	longPollTokenHeader = "X-Phoenix-LongPoll-Token"
	// longPollAuthHeader carries the phoenix client's authToken.
	longPollAuthHeader = "X-Phoenix-AuthToken"
)

// Statuses of long-poll answers, in their JSON body.
const (
	lpOK        = http.StatusOK
	lpNoContent = http.StatusNoContent
	lpForbidden = http.StatusForbidden
	lpGone      = http.StatusGone
	lpTimeout   = http.StatusRequestTimeout
	lpTooLarge  = http.StatusRequestEntityTooLarge
	lpBad       = http.StatusBadRequest
	lpShutdown  = http.StatusServiceUnavailable
)

// lpFrame is a frame POSTed by the client, or an error that ends the
// session's reader.
type lpFrame struct {
	typ  int
	data []byte
	err  error
}

// errLongPollIdle is the read error of a session no request came to for
// its idle timeout.
var errLongPollIdle error = lpIdleError{}

type lpIdleError struct{}

func (lpIdleError) Error() string   { return "channel: long-poll session idle" }
func (lpIdleError) Timeout() bool   { return true }
func (lpIdleError) Temporary() bool { return true }

// longPoll is the transport of one long-poll session.
type longPoll struct {
	id     string        // the session's key in socketCore.polls
	expiry time.Duration // idle time after which the session ends
	in     chan lpFrame  // POSTed frames, to the reader; unbuffered

	mu       sync.Mutex // guards the fields below
	out      [][]byte   // frames written, waiting for a poll (JSON strings)
	outBytes int
	outReady chan struct{} // closed when out gets frames or the session closes; then replaced
	room     chan struct{} // capacity 1: a token tells the writer that a poll took out
	inFlight int           // requests of the session being served
	waiting  chan struct{} // closed to answer the poll waiting now; nil when none waits
	lastSeen time.Time     // when the last request ended
	closing  bool          // writeClose was called: no more frames
	code     int           // the close code and text writeClose gave
	text     string
	aborted  bool

	abort     chan struct{} // closed by abortWrite
	ended     chan struct{} // closed by writeClose or close
	told      chan struct{} // closed when a poll has taken the 410 of a closing session
	endOnce   sync.Once
	abortOnce sync.Once
	toldOnce  sync.Once
}

func newLongPoll(id string, expiry time.Duration) *longPoll {
	return &longPoll{
		id:       id,
		expiry:   expiry,
		in:       make(chan lpFrame),
		outReady: make(chan struct{}),
		room:     make(chan struct{}, 1),
		lastSeen: time.Now(),
		abort:    make(chan struct{}),
		ended:    make(chan struct{}),
		told:     make(chan struct{}),
	}
}

// readMessage returns the next POSTed frame. deadline is not used: a
// session is idle when no request has been in flight for its expiry, the
// GETs waiting for frames counting as activity, since the phoenix client
// sends no heartbeats over long-poll.
func (p *longPoll) readMessage(time.Time) (int, []byte, error) {
	t := time.NewTimer(p.expiry)
	defer t.Stop()
	for {
		select {
		case f := <-p.in:
			return f.typ, f.data, f.err
		case <-p.ended:
			return 0, nil, &websocket.CloseError{Code: websocket.CloseNormalClosure, Text: "session ended"}
		case <-t.C:
			p.mu.Lock()
			idle := p.inFlight == 0 && time.Since(p.lastSeen) >= p.expiry
			wait := p.expiry - time.Since(p.lastSeen)
			p.mu.Unlock()
			if idle {
				return 0, nil, errLongPollIdle
			}
			t.Reset(max(wait, time.Second))
		}
	}
}

func (p *longPoll) discard(deadline time.Time) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		select {
		case <-p.in:
		case <-p.ended:
			return
		case <-t.C:
			return
		}
	}
}

// writeMessage hands a frame to the polls, waiting while the frames
// already waiting for one hold longPollBufferBytes.
func (p *longPoll) writeMessage(typ int, data []byte, deadline time.Time) error {
	var s []byte
	if typ == websocket.BinaryMessage {
		s = make([]byte, 0, base64.StdEncoding.EncodedLen(len(data))+2)
		s = append(s, '"')
		s = base64.StdEncoding.AppendEncode(s, data)
		s = append(s, '"')
	} else {
		var err error
		if s, err = json.Marshal(string(data)); err != nil {
			return err
		}
	}
	var t *time.Timer
	p.mu.Lock()
	for {
		if p.aborted || p.closing {
			p.mu.Unlock()
			return ErrClosed
		}
		if p.outBytes == 0 || p.outBytes+len(s) <= longPollBufferBytes {
			break
		}
		p.mu.Unlock()
		if t == nil {
			t = time.NewTimer(time.Until(deadline))
			defer t.Stop()
		}
		select {
		case <-p.room:
		case <-p.abort:
		case <-p.ended:
		case <-t.C:
			return errors.New("channel: long-poll write timeout: no poll took the frames")
		}
		p.mu.Lock()
	}
	p.out = append(p.out, s)
	p.outBytes += len(s)
	p.wakePolls()
	p.mu.Unlock()
	return nil
}

// wakePolls wakes the GETs waiting for frames; p.mu is held.
func (p *longPoll) wakePolls() {
	close(p.outReady)
	p.outReady = make(chan struct{})
}

func (p *longPoll) abortWrite() {
	p.abortOnce.Do(func() {
		p.mu.Lock()
		p.aborted = true
		p.mu.Unlock()
		close(p.abort)
	})
}

// writeClose ends the session: the polls take the frames still waiting,
// then get 410 with code and text.
func (p *longPoll) writeClose(code int, text string, _ time.Time) {
	p.mu.Lock()
	if !p.closing {
		p.closing, p.code, p.text = true, code, text
		p.wakePolls()
	}
	p.mu.Unlock()
	p.endOnce.Do(func() { close(p.ended) })
}

// close waits up to closeGrace for a poll to take the frames still
// waiting and the 410 that says why the session closed, as a WebSocket
// waits for the client to answer its close frame. The session is
// forgotten when it returns.
func (p *longPoll) close() {
	p.writeClose(websocket.CloseAbnormalClosure, "", time.Time{})
	t := time.NewTimer(closeGrace)
	defer t.Stop()
	select {
	case <-p.told:
	case <-t.C:
	}
}

// begin and end count a request of the session in flight.
func (p *longPoll) begin() {
	p.mu.Lock()
	p.inFlight++
	p.mu.Unlock()
}

func (p *longPoll) end() {
	p.mu.Lock()
	p.inFlight--
	p.lastSeen = time.Now()
	p.mu.Unlock()
}

// poll waits up to window for frames, and takes them. It returns the
// status to answer: 200 with frames, 204 without, 410 when the session
// has closed (with the close code and text).
func (p *longPoll) poll(ctx context.Context, window time.Duration) (status int, frames [][]byte, code int, text string) {
	t := time.NewTimer(window)
	defer t.Stop()
	for {
		p.mu.Lock()
		if len(p.out) > 0 {
			frames = p.out
			p.out, p.outBytes = nil, 0
			p.mu.Unlock()
			select {
			case p.room <- struct{}{}:
			default:
			}
			return lpOK, frames, 0, ""
		}
		if p.closing {
			code, text = p.code, p.text
			p.mu.Unlock()
			p.toldOnce.Do(func() { close(p.told) })
			return lpGone, nil, code, text
		}
		ready := p.outReady
		p.superseded()
		mine := make(chan struct{})
		p.waiting = mine
		p.mu.Unlock()
		select {
		case <-ready:
			p.stopWaiting(mine)
		case <-mine:
			// A newer poll of the session waits instead.
			return lpNoContent, nil, 0, ""
		case <-t.C:
			p.stopWaiting(mine)
			return lpNoContent, nil, 0, ""
		case <-ctx.Done():
			p.stopWaiting(mine)
			return lpNoContent, nil, 0, ""
		}
	}
}

// superseded answers the poll waiting, if one is: a session has one poll
// waiting at a time, the newest. The phoenix client never has two; a
// client that sends many at once holds one request and one timer on the
// server, not one per request. p.mu must be held.
func (p *longPoll) superseded() {
	if p.waiting != nil {
		close(p.waiting)
		p.waiting = nil
	}
}

// stopWaiting clears mine as the waiting poll, unless a newer one took
// its place.
func (p *longPoll) stopWaiting(mine chan struct{}) {
	p.mu.Lock()
	if p.waiting == mine {
		p.waiting = nil
	}
	p.mu.Unlock()
}

// publish hands POSTed frames to the reader, in order. It returns the
// status to answer.
func (p *longPoll) publish(ctx context.Context, frames []lpFrame, window time.Duration) int {
	t := time.NewTimer(window)
	defer t.Stop()
	for _, f := range frames {
		select {
		case p.in <- f:
		case <-p.ended:
			return lpGone
		case <-ctx.Done():
			return lpTimeout
		case <-t.C:
			return lpTimeout
		}
	}
	return lpOK
}

// serveLongPoll serves a request to "<mount path>/longpoll".
func (s *Socket[S]) serveLongPoll(w http.ResponseWriter, r *http.Request) {
	if origin := r.Header.Get("Origin"); origin != "" {
		if !s.checkOrigin(r) {
			s.core.logger.Debug("long-poll refused: origin not allowed", "origin", origin)
			writeLongPoll(w, lpForbidden, "", nil, 0, "")
			return
		}
		// The origin passed the same check as a WebSocket's: a page there
		// may read the answers.
		w.Header().Set("Access-Control-Allow-Origin", origin)
		w.Header().Add("Vary", "Origin")
	}
	switch r.Method {
	case http.MethodOptions:
		h := w.Header()
		h.Set("Access-Control-Allow-Headers", "Content-Type, "+longPollTokenHeader+", "+longPollAuthHeader)
		h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
		h.Set("Access-Control-Max-Age", "3600")
		return
	case http.MethodGet, http.MethodPost:
	default:
		http.Error(w, "channel: method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	if vsn := q.Get("vsn"); !strings.HasPrefix(vsn, "2.") {
		http.Error(w, "channel: unsupported protocol version (want vsn=2.0.0)", http.StatusBadRequest)
		return
	}
	// The token comes last in the query: the connect params before it
	// may have a "token" of their own, an application's, which the first
	// GET carries alone.
	tok := r.Header.Get(longPollTokenHeader)
	if ts := q["token"]; tok == "" && len(ts) > 0 {
		tok = ts[len(ts)-1]
	}
	c, signed := s.core.session(tok)
	if c == nil {
		if r.Method == http.MethodGet && !signed {
			s.openLongPoll(w, r, q)
			return
		}
		// A session that is gone: the client reconnects.
		writeLongPoll(w, lpGone, "", nil, 0, "")
		return
	}
	p := c.conn.(*longPoll)
	p.begin()
	defer p.end()
	if r.Method == http.MethodPost {
		frames, status := readLongPollBody(w, r, s.core.limits.readLimit)
		if status == lpOK {
			status = p.publish(r.Context(), frames, s.core.limits.pollWindow)
		} else {
			// The reader closes the session as it would a WebSocket that
			// sent such a frame.
			p.publish(r.Context(), frames, s.core.limits.pollWindow)
		}
		writeLongPoll(w, status, "", nil, 0, "")
		return
	}
	status, frames, code, text := p.poll(r.Context(), s.core.limits.pollWindow)
	if status == lpGone {
		tok = ""
	}
	writeLongPoll(w, status, tok, frames, code, text)
}

// readLongPollBody reads a POST's frames. A body that is not acceptable
// yields the frames before the fault and a last one carrying the error
// that closes the session, with the status to answer.
func readLongPollBody(w http.ResponseWriter, r *http.Request, readLimit int64) ([]lpFrame, int) {
	// A frame of readLimit bytes takes 4/3 as many in base64.
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, readLimit/3*4+8))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return []lpFrame{{err: websocket.ErrReadLimit}}, lpTooLarge
		}
		return nil, lpBad
	}
	var lines [][]byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-ndjson") {
		lines = bytes.Split(body, []byte("\n"))
	} else {
		lines = [][]byte{body}
	}
	frames := make([]lpFrame, 0, len(lines))
	for _, line := range lines {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) == 0 {
			continue
		}
		if len(frames) == longPollMaxBatch {
			return append(frames, lpFrame{err: errLongPollBatch}), lpBad
		}
		if line[0] == '[' {
			if int64(len(line)) > readLimit {
				return append(frames, lpFrame{err: websocket.ErrReadLimit}), lpTooLarge
			}
			frames = append(frames, lpFrame{typ: websocket.TextMessage, data: line})
			continue
		}
		data, err := base64.StdEncoding.AppendDecode(nil, line)
		if err != nil {
			return append(frames, lpFrame{err: errLongPollBase64}), lpBad
		}
		if int64(len(data)) > readLimit {
			return append(frames, lpFrame{err: websocket.ErrReadLimit}), lpTooLarge
		}
		frames = append(frames, lpFrame{typ: websocket.BinaryMessage, data: data})
	}
	return frames, lpOK
}

var (
	errLongPollBatch  = errors.New("channel: long-poll POST of more than 100 frames")
	errLongPollBase64 = errors.New("channel: long-poll binary frame not in base64")
)

// openLongPoll opens a session for a GET without a token, after the
// checks of a WebSocket upgrade.
func (s *Socket[S]) openLongPoll(w http.ResponseWriter, r *http.Request, q map[string][]string) {
	delete(q, "vsn")
	// A session counts against the connection caps as a WebSocket does.
	// A refusal is a plain HTTP error, not a JSON status: the phoenix
	// client retries it with backoff, as it does a refused WebSocket.
	addr, ok := s.core.admit(w, r)
	if !ok {
		return
	}
	served := false
	defer func() {
		if !served {
			s.core.leave(addr)
		}
	}()
	info := &ConnectInfo{
		Params:     q,
		AuthToken:  r.Header.Get(longPollAuthHeader),
		Origin:     r.Header.Get("Origin"),
		Header:     r.Header,
		RemoteAddr: r.RemoteAddr,
		Cookies:    r.Cookies(),
	}
	state, id, ok := s.connect(r, info)
	if !ok {
		writeLongPoll(w, lpForbidden, "", nil, 0, "")
		return
	}
	sc := s.core
	sessionID := rand.Text()
	p := newLongPoll(sessionID, min(sc.limits.idleTimeout, longPollExpiry))
	c := newClient(sc, p, info, id, state)
	if !sc.reserve() {
		writeLongPoll(w, lpShutdown, "", nil, 0, "")
		return
	}
	served = true // the session's goroutine leaves when it ends
	// sc.mu is held while the session is added and removed.
	sc.serve(r.Context(), c, addr, func() { sc.polls[sessionID] = c }, func() { delete(sc.polls, sessionID) })
	writeLongPoll(w, lpGone, sc.sessionToken(sessionID), nil, 0, "")
}

// sessionToken signs a session's ID.
func (sc *socketCore) sessionToken(id string) string {
	m := hmac.New(sha256.New, sc.pollKey)
	m.Write([]byte(id))
	return id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// session returns the client of the session tok names, nil if its
// session is gone or tok is not a token this socket signed (signed says
// which).
func (sc *socketCore) session(tok string) (c *client, signed bool) {
	id, _, ok := strings.Cut(tok, ".")
	if !ok || !hmac.Equal([]byte(sc.sessionToken(id)), []byte(tok)) {
		return nil, false
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.polls[id], true
}

// writeLongPoll answers a long-poll request: HTTP 200 with the status in
// the JSON body, as Phoenix does. A poll's answer carries the token and
// the frames, each already a JSON string; a 410 to a poll of a session the
// server closed carries the code and reason a WebSocket's close frame
// would have, which the phoenix client ignores.
func writeLongPoll(w http.ResponseWriter, status int, tok string, frames [][]byte, code int, text string) {
	n := 64 + len(tok) + len(text)
	for _, f := range frames {
		n += len(f) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(status), 10)
	if tok != "" {
		b = append(b, `,"token":`...)
		b = strconv.AppendQuote(b, tok) // a token is base32 and base64url
		b = append(b, `,"messages":[`...)
		for i, f := range frames {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, f...)
		}
		b = append(b, ']')
	}
	if code != 0 {
		b = append(b, `,"code":`...)
		b = strconv.AppendInt(b, int64(code), 10)
		r, _ := json.Marshal(text)
		b = append(b, `,"reason":`...)
		b = append(b, r...)
	}
	b = append(b, '}')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.Write(b)
}
