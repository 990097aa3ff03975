package channel

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// lpClient speaks the long-poll protocol by hand, as the phoenix client's
// LongPoll does.
type lpClient struct {
	t     testing.TB
	s     *testServer
	query string // connect params
	token string
	// frames holds the frames polled and not yet read.
	frames []json.RawMessage
}

// lpAnswer is the JSON body of a long-poll answer.
type lpAnswer struct {
	Status   int               `json:"status"`
	Token    *string           `json:"token"`
	Messages []json.RawMessage `json:"messages"`
	Code     int               `json:"code"`
	Reason   string            `json:"reason"`
}

// lpURL is the long-poll endpoint with vsn and query.
func (s *testServer) lpURL(query string) string {
	u := s.URL + "/socket/longpoll?vsn=2.0.0"
	if query != "" {
		u += "&" + query
	}
	return u
}

// lpDo sends a request and decodes the answer, which must be HTTP 200.
func lpDo(t testing.TB, req *http.Request) lpAnswer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %s: HTTP %d %s", req.Method, req.URL, resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	var a lpAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("answer %s: %v", body, err)
	}
	return a
}

// openLongPoll opens a session as user, expecting 410 with a token.
func (s *testServer) openLongPoll(t testing.TB, user string) *lpClient {
	t.Helper()
	c := &lpClient{t: t, s: s, query: "user=" + user}
	req, _ := http.NewRequest(http.MethodGet, s.lpURL(c.query), nil)
	a := lpDo(t, req)
	if a.Status != http.StatusGone || a.Token == nil || *a.Token == "" || a.Messages == nil {
		t.Fatalf("open: %+v", a)
	}
	c.token = *a.Token
	return c
}

// get polls once.
func (c *lpClient) get() lpAnswer {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.s.lpURL(c.query+"&token="+c.token), nil)
	return lpDo(c.t, req)
}

// post sends lines as one batch and returns the answer's status.
func (c *lpClient) post(lines ...string) int {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.s.lpURL(c.query+"&token="+c.token), strings.NewReader(strings.Join(lines, "\n")))
	req.Header.Set("Content-Type", "application/x-ndjson")
	return lpDo(c.t, req).Status
}

// read returns the next frame, polling while none is there.
func (c *lpClient) read() wireMsg {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.frames) == 0 {
		if time.Now().After(deadline) {
			c.t.Fatal("no frame polled within 5 s")
		}
		a := c.get()
		if a.Status != http.StatusOK && a.Status != http.StatusNoContent {
			c.t.Fatalf("poll: %+v", a)
		}
		c.frames = a.Messages
	}
	var s string
	if err := json.Unmarshal(c.frames[0], &s); err != nil {
		c.t.Fatalf("message %s is not a string", c.frames[0])
	}
	c.frames = c.frames[1:]
	if !strings.HasPrefix(s, "[") {
		data, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			c.t.Fatalf("binary message %q: %v", s, err)
		}
		return wireMsg{Raw: data, Binary: true}
	}
	var parts [5]json.RawMessage
	if err := json.Unmarshal([]byte(s), &parts); err != nil {
		c.t.Fatalf("frame %s: %v", s, err)
	}
	m := wireMsg{Raw: []byte(s), Payload: parts[4]}
	for i, dst := range []*string{&m.JoinRef, &m.Ref, &m.Topic, &m.Event} {
		if string(parts[i]) != "null" {
			json.Unmarshal(parts[i], dst)
		}
	}
	return m
}

// expectGone polls until the session answers 410, and returns that answer.
func (c *lpClient) expectGone() lpAnswer {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if a := c.get(); a.Status == http.StatusGone {
			return a
		}
	}
	c.t.Fatal("the session did not end within 5 s")
	return lpAnswer{}
}

// text encodes a V2 text frame.
func text(joinRef, ref, topic, event, payload string) string {
	return string(encodeText(joinRef, ref, topic, event, []byte(payload)))
}

func TestLongPollJoinPushBroadcastBinary(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	c := s.openLongPoll(t, "7")
	if st := c.post(text("1", "1", "room:1", "phx_join", "{}"), text("1", "2", "room:1", "echo", `{"n":1}`)); st != http.StatusOK {
		t.Fatalf("POST: status %d", st)
	}
	m := c.read()
	if m.Event != "phx_reply" || m.Ref != "1" || string(m.Payload) != `{"status":"ok","response":{"user":"7"}}` {
		t.Fatalf("join reply %s", m.Raw)
	}
	if m := c.read(); m.Ref != "2" || string(m.Payload) != `{"status":"ok","response":{"n":1}}` {
		t.Fatalf("echo reply %s", m.Raw)
	}

	// A binary push travels in base64 both ways.
	bin, err := encodeBinary(kindPush, []string{"1", "3", "room:1", "up"}, []byte{0, 1, 255})
	if err != nil {
		t.Fatal(err)
	}
	if st := c.post(base64.StdEncoding.EncodeToString(bin)); st != http.StatusOK {
		t.Fatalf("POST binary: status %d", st)
	}
	want, _ := encodeBinary(kindReply, []string{"1", "3", "room:1", "ok"}, []byte{0, 1, 255})
	if m := c.read(); !m.Binary || !bytes.Equal(m.Raw, want) {
		t.Fatalf("binary reply %v, want %v", m.Raw, want)
	}

	// Broadcasts arrive, several in one poll when they are waiting.
	for i := range 3 {
		if err := s.sock.Broadcast(t.Context(), "room:1", "news", map[string]int{"i": i}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 3 {
		m := c.read()
		if m.Event != "news" || string(m.Payload) != `{"i":`+string(rune('0'+i))+`}` {
			t.Fatalf("broadcast %d: %s", i, m.Raw)
		}
	}

	// The heartbeat is answered, as over a WebSocket.
	c.post(text("", "9", "phoenix", "heartbeat", "{}"))
	if m := c.read(); m.Topic != "phoenix" || m.Ref != "9" {
		t.Fatalf("heartbeat reply %s", m.Raw)
	}
}

func TestLongPollEmptyPollAndWrongTokens(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	s.sock.core.limits.pollWindow = 50 * time.Millisecond
	c := s.openLongPoll(t, "1")
	a := c.get()
	if a.Status != http.StatusNoContent || a.Token == nil || *a.Token != c.token || a.Messages == nil || len(a.Messages) != 0 {
		t.Fatalf("empty poll: %+v", a)
	}

	// A token with a wrong signature: a GET opens a new session (the
	// connect params may hold the application's own "token"); a POST
	// is told the session is gone.
	forged := c.token[:len(c.token)-2] + "AA"
	if forged == c.token {
		forged = c.token[:len(c.token)-2] + "BB"
	}
	bad := &lpClient{t: t, s: s, query: "user=1", token: forged}
	if a := bad.get(); a.Status != http.StatusGone || a.Token == nil || *a.Token == c.token {
		t.Fatalf("GET with a forged token: %+v", a)
	}
	if st := bad.post(text("1", "1", "room:1", "phx_join", "{}")); st != http.StatusGone {
		t.Fatalf("POST with a forged token: %d", st)
	}
	// The session's own token is the last "token" of the query.
	req, _ := http.NewRequest(http.MethodGet, s.lpURL("token=app-token&user=1&token="+c.token), nil)
	if a := lpDo(t, req); a.Status != http.StatusNoContent {
		t.Fatalf("poll after an application token: %+v", a)
	}
}

func TestLongPollRefusals(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	// Connect refuses a connection without a user.
	req, _ := http.NewRequest(http.MethodGet, s.lpURL(""), nil)
	if a := lpDo(t, req); a.Status != http.StatusForbidden || a.Token != nil {
		t.Fatalf("refused by Connect: %+v", a)
	}
	// Another site's page may not open a session, nor use one.
	c := s.openLongPoll(t, "1")
	for _, method := range []string{http.MethodGet, http.MethodPost} {
		req, _ = http.NewRequest(method, s.lpURL("user=1&token="+c.token), nil)
		req.Header.Set("Origin", "https://evil.example")
		if a := lpDo(t, req); a.Status != http.StatusForbidden {
			t.Fatalf("%s from another origin: %+v", method, a)
		}
	}
	req, _ = http.NewRequest(http.MethodGet, s.lpURL("user=1"), nil)
	req.Header.Set("Origin", "https://evil.example")
	if a := lpDo(t, req); a.Status != http.StatusForbidden {
		t.Fatalf("open from another origin: %+v", a)
	}
	// The page's own origin may, and reads the answer.
	req, _ = http.NewRequest(http.MethodGet, s.lpURL("user=1"), nil)
	req.Header.Set("Origin", s.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != s.URL {
		t.Fatalf("Access-Control-Allow-Origin %q", got)
	}
	// Without vsn=2: HTTP 400, as for a WebSocket.
	resp, err = http.Get(s.URL + "/socket/longpoll?user=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no vsn: HTTP %d", resp.StatusCode)
	}
}

func TestLongPollDisconnectEndsSession(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.terminate = func(reason error) { ended <- reason }
	})
	c := s.openLongPoll(t, "5")
	c.post(text("1", "1", "room:1", "phx_join", "{}"))
	c.read()
	if err := s.sock.Disconnect(t.Context(), "user_socket:5"); err != nil {
		t.Fatal(err)
	}
	if reason := waitFor(t, ended, "Terminate"); !errors.Is(reason, ErrClosed) {
		t.Fatalf("Terminate(%v)", reason)
	}
	// The poll says why, as a close frame would; then the token is gone.
	if a := c.expectGone(); a.Code != closeNormal || a.Reason != "disconnected" {
		t.Fatalf("410 after Disconnect: %+v", a)
	}
	if st := c.post(text("", "2", "phoenix", "heartbeat", "{}")); st != http.StatusGone {
		t.Fatalf("POST after the end: %d", st)
	}
}

func TestLongPollSessionExpires(t *testing.T) {
	t.Parallel()
	ended := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{IdleTimeout: 200 * time.Millisecond}}, func(ch *testChannel) {
		ch.terminate = func(reason error) { ended <- reason }
	})
	s.sock.core.limits.pollWindow = 50 * time.Millisecond
	c := s.openLongPoll(t, "5")
	c.post(text("1", "1", "room:1", "phx_join", "{}"))
	c.read()
	// Polls keep the session alive past its idle timeout.
	for start := time.Now(); time.Since(start) < 500*time.Millisecond; {
		if a := c.get(); a.Status != http.StatusNoContent {
			t.Fatalf("poll of a live session: %+v", a)
		}
	}
	select {
	case reason := <-ended:
		t.Fatalf("the session ended while polled: %v", reason)
	default:
	}
	// Without requests it ends.
	waitFor(t, ended, "Terminate of an idle session")
	if a := c.expectGone(); a.Status != http.StatusGone {
		t.Fatalf("poll of an expired session: %+v", a)
	}
}

func TestLongPollSlowClient(t *testing.T) {
	t.Parallel()
	pushed := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{SlowClientTimeout: 200 * time.Millisecond}}, func(ch *testChannel) {
		ch.handleIn = func(ctx context.Context, cc *Conn, ev Message) (Reply, error) {
			// 1 MB in 4 KB pushes: more than a session holds for a
			// client that does not poll.
			big := strings.Repeat("x", 4096)
			for range 256 {
				if err := cc.Push("big", big); err != nil {
					pushed <- err
					return NoReply, nil
				}
			}
			pushed <- nil
			return NoReply, nil
		}
	})
	c := s.openLongPoll(t, "5")
	c.post(text("1", "1", "room:1", "phx_join", "{}"), text("1", "2", "room:1", "flood", "{}"))
	// The client may be found too slow before the pushes end, on a busy
	// machine.
	if err := waitFor(t, pushed, "the pushes"); err != nil && !errors.Is(err, ErrClosed) && !errors.Is(err, ErrSlowClient) {
		t.Fatalf("Push: %v", err)
	}
	// Nothing polls: the writer fills the session's buffer, waits for
	// room, and finds the client too slow.
	waitForLog(t, s, "closing a slow client")
	// The poll that follows the close learns why, unless it came after
	// the session's grace (closeGrace) on a busy machine. What it carries
	// before that is at most the session's buffer.
	var a lpAnswer
	for a = c.get(); a.Status == http.StatusOK; a = c.get() {
		total := 0
		for _, m := range a.Messages {
			total += len(m)
		}
		if total > longPollBufferBytes+8192 {
			t.Fatalf("one poll took %d bytes, more than the session's buffer", total)
		}
	}
	if a.Status != http.StatusGone || a.Code != closePolicy && a.Code != 0 {
		t.Fatalf("after the flood: %+v", a)
	}
	if a.Code != 0 && a.Reason != "client too slow" {
		t.Fatalf("after the flood: %+v", a)
	}
}

func TestLongPollLimits(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{ReadLimit: 1000, EventsPerSecond: 5}}, nil)

	// A frame over ReadLimit closes the session, as over a WebSocket.
	c := s.openLongPoll(t, "1")
	big := text("", "1", "phoenix", "heartbeat", `{"x":"`+strings.Repeat("x", 1000)+`"}`)
	if st := c.post(big); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST of a frame over ReadLimit: %d", st)
	}
	if a := c.expectGone(); a.Reason != "frame too large" {
		t.Fatalf("after a frame too large: %+v", a)
	}

	// So does a binary frame over it, once decoded.
	c = s.openLongPoll(t, "1")
	bin, _ := encodeBinary(kindPush, []string{"", "1", "room:1", "up"}, make([]byte, 1001))
	if st := c.post(base64.StdEncoding.EncodeToString(bin)); st != http.StatusRequestEntityTooLarge {
		t.Fatalf("POST of a binary frame over ReadLimit: %d", st)
	}
	c.expectGone()

	// The event rate counts every POSTed frame.
	c = s.openLongPoll(t, "1")
	var lines []string
	for i := range 20 {
		lines = append(lines, text("", string(rune('a'+i)), "phoenix", "heartbeat", "{}"))
	}
	c.post(lines...)
	if a := c.expectGone(); a.Code != closePolicy || a.Reason != "too many events" {
		t.Fatalf("after 20 frames at once: %+v", a)
	}

	// A malformed frame ends the session.
	c = s.openLongPoll(t, "1")
	c.post("[not json")
	c.expectGone()
}

func TestLongPollShutdown(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	c := s.openLongPoll(t, "1")
	c.post(text("1", "1", "room:1", "phx_join", "{}"))
	c.read()
	polled := make(chan lpAnswer, 1)
	go func() { polled <- c.get() }()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := s.sock.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	// The waiting poll is told, with the close code of a WebSocket.
	var a lpAnswer
	for a = waitFor(t, polled, "the poll"); a.Status == http.StatusOK; a = c.get() {
	}
	if a.Status != http.StatusGone {
		t.Fatalf("poll during Shutdown: %+v", a)
	}
	req, _ := http.NewRequest(http.MethodGet, s.lpURL("user=1"), nil)
	if a := lpDo(t, req); a.Status != http.StatusServiceUnavailable {
		t.Fatalf("open after Shutdown: %+v", a)
	}
}

// TestLongPollSessionsCountAgainstTheConnectionCaps opens long-poll
// sessions and a WebSocket from two loopback addresses: a session is
// counted as a connection is, a session open past MaxConnectionsPerAddr
// gets HTTP 429 and past MaxConnections 503, and a session that ends
// makes room again.
func TestLongPollSessionsCountAgainstTheConnectionCaps(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{MaxConnections: 3, MaxConnectionsPerAddr: 2}}, nil)
	// openFrom opens a session as user from a loopback address and
	// returns the HTTP status: 200 for a session opened.
	openFrom := func(ip, user string) int {
		t.Helper()
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
		hc := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
		defer hc.CloseIdleConnections()
		resp, err := hc.Get(s.lpURL("user=" + user))
		if err != nil {
			t.Fatalf("open from %s: %v", ip, err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusOK {
			var a lpAnswer
			if err := json.Unmarshal(body, &a); err != nil || a.Status != http.StatusGone || a.Token == nil {
				t.Fatalf("open from %s: %s", ip, body)
			}
		}
		return resp.StatusCode
	}
	if st := openFrom("127.0.0.1", "1"); st != http.StatusOK {
		t.Fatalf("the first session: %d", st)
	}
	s.dial(t, "2") // from 127.0.0.1
	if st := openFrom("127.0.0.1", "3"); st != http.StatusTooManyRequests {
		t.Fatalf("a third connection from one address: %d, want 429", st)
	}
	if st := openFrom("127.0.0.2", "4"); st != http.StatusOK {
		t.Fatalf("a session from another address: %d", st)
	}
	if st := openFrom("127.0.0.2", "5"); st != http.StatusServiceUnavailable {
		t.Fatalf("a fourth connection in all: %d, want 503", st)
	}
	// The session of user 4 ends; once the server has seen it end, there
	// is room again.
	if err := s.sock.Disconnect(t.Context(), "user_socket:4"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		st := openFrom("127.0.0.2", "6")
		if st == http.StatusOK {
			break
		}
		if st != http.StatusServiceUnavailable {
			t.Fatalf("an open while a session ends: %d", st)
		}
		if time.Now().After(deadline) {
			t.Fatal("no room after a session ended")
		}
	}
}

func TestLongPollKeepsOneWaitingPollPerSession(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	s.sock.core.limits.pollWindow = time.Minute
	c := s.openLongPoll(t, "7")

	// Many polls at once, as a hostile client sends them: each newer one
	// answers the one waiting before it with 204 at once, so only the
	// newest still waits.
	const polls = 20
	answers := make(chan lpAnswer, polls)
	for range polls {
		go func() {
			req, _ := http.NewRequest(http.MethodGet, s.lpURL(c.query+"&token="+c.token), nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				answers <- lpAnswer{Status: -1}
				return
			}
			defer resp.Body.Close()
			var a lpAnswer
			if json.NewDecoder(resp.Body).Decode(&a) != nil {
				a.Status = -2
			}
			answers <- a
		}()
	}
	for i := range polls - 1 {
		select {
		case a := <-answers:
			if a.Status != http.StatusNoContent {
				t.Fatalf("poll %d: %+v, want 204", i, a)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("after %d answers, the other polls still wait", i)
		}
	}
	select {
	case a := <-answers:
		t.Fatalf("every poll was answered, the last one with %+v, before any frame", a)
	default:
	}

	// The one waiting gets the next frame.
	if st := c.post(text("1", "1", "room:1", "phx_join", "{}")); st != http.StatusOK {
		t.Fatalf("POST: status %d", st)
	}
	select {
	case a := <-answers:
		if a.Status != http.StatusOK || len(a.Messages) != 1 {
			t.Fatalf("the waiting poll: %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waiting poll did not get the join's reply")
	}
}
