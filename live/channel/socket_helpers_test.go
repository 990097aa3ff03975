package channel

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"github.com/templive/templive/pubsub"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testUser is the connect state of the test sockets.
type testUser struct {
	ID string
}

// testChannel is a Channel whose callbacks are set per test. Nil callbacks
// accept the join and reply ok to every event with its payload.
type testChannel struct {
	cc   *Conn
	user *testUser

	join      func(ctx context.Context, cc *Conn, payload json.RawMessage) (any, error)
	handleIn  func(ctx context.Context, cc *Conn, ev Message) (Reply, error)
	info      func(ctx context.Context, cc *Conn, msg any) error
	terminate func(reason error)
}

func (ch *testChannel) Join(ctx context.Context, payload json.RawMessage) (any, error) {
	if ch.join != nil {
		return ch.join(ctx, ch.cc, payload)
	}
	return map[string]string{"user": ch.user.ID}, nil
}

func (ch *testChannel) HandleIn(ctx context.Context, ev Message) (Reply, error) {
	if ch.handleIn != nil {
		return ch.handleIn(ctx, ch.cc, ev)
	}
	if ev.Binary != nil {
		return ReplyOK(Binary(ev.Binary)), nil
	}
	return ReplyOK(ev.Payload), nil
}

func (ch *testChannel) HandleInfo(ctx context.Context, msg pubsub.Message) error {
	if ch.info != nil {
		return ch.info(ctx, ch.cc, msg.Payload)
	}
	return nil
}

func (ch *testChannel) Terminate(reason error) {
	if ch.terminate != nil {
		ch.terminate(reason)
	}
}

// testServer is a Socket[*testUser] behind an httptest server. Connect
// accepts ?user=<id> and refuses a connection without it.
type testServer struct {
	*httptest.Server
	sock *Socket[*testUser]
	logs *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startSocket serves a socket configured by opts (Connect and ID are
// filled in when nil) with "room:*" routed to channels set up by newCh.
// The socket is shut down and the server closed when the test ends.
func startSocket(t testing.TB, opts SocketOptions[*testUser], newCh func(ch *testChannel)) *testServer {
	t.Helper()
	logs := &syncBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if opts.Connect == nil {
		opts.Connect = func(_ context.Context, info *ConnectInfo) (*testUser, error) {
			id := info.Params.Get("user")
			if id == "" {
				return nil, errors.New("no user")
			}
			return &testUser{ID: id}, nil
		}
	}
	if opts.ID == nil {
		opts.ID = func(u *testUser) string { return "user_socket:" + u.ID }
	}
	if opts.Limits.IdleTimeout == 0 {
		opts.Limits.IdleTimeout = 5 * time.Second
	}
	sock := NewSocket(opts)
	sock.Channel("room:*", func(cc *Conn, u *testUser) Channel {
		ch := &testChannel{cc: cc, user: u}
		if newCh != nil {
			newCh(ch)
		}
		return ch
	})
	ts := serveSocket(t, sock)
	ts.logs = logs
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("socket logs:\n%s", logs.String())
		}
	})
	return ts
}

// serveSocket serves sock at /socket/ until the test ends, when it shuts
// sock down, which must succeed within 5 s.
func serveSocket(t testing.TB, sock *Socket[*testUser]) *testServer {
	mux := http.NewServeMux()
	mux.Handle("/socket/", sock)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sock.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return &testServer{Server: srv, sock: sock}
}

// url returns the socket's WebSocket URL with query appended to vsn.
func (s *testServer) url(query string) string {
	u := "ws" + strings.TrimPrefix(s.URL, "http") + "/socket/websocket?vsn=2.0.0"
	if query != "" {
		u += "&" + query
	}
	return u
}

// wsClient is a raw gorilla client speaking the V2 protocol by hand.
type wsClient struct {
	t  testing.TB
	ws *websocket.Conn
}

// wireMsg is a decoded server frame. Empty refs stand for null.
type wireMsg struct {
	JoinRef, Ref, Topic, Event string
	Payload                    json.RawMessage
	Raw                        []byte
	Binary                     bool
}

// dial connects as user (no user param when "").
func (s *testServer) dial(t testing.TB, user string) *wsClient {
	t.Helper()
	q := ""
	if user != "" {
		q = "user=" + user
	}
	ws, resp, err := websocket.DefaultDialer.Dial(s.url(q), nil)
	if err != nil {
		t.Fatalf("dial: %v (response %v)", err, resp)
	}
	c := &wsClient{t: t, ws: ws}
	t.Cleanup(func() { ws.Close() })
	return c
}

// sendJSON sends a text frame [joinRef, ref, topic, event, payload]; an
// empty ref is sent as null.
func (c *wsClient) send(joinRef, ref, topic, event string, payload any) {
	c.t.Helper()
	p, err := json.Marshal(payload)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(websocket.TextMessage, encodeText(joinRef, ref, topic, event, p))
}

func (c *wsClient) sendRaw(typ int, data []byte) {
	c.t.Helper()
	if err := c.ws.WriteMessage(typ, data); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame, failing the test after 5 s.
func (c *wsClient) read() wireMsg {
	c.t.Helper()
	m, err := c.readErr(5 * time.Second)
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

func (c *wsClient) readErr(timeout time.Duration) (wireMsg, error) {
	c.ws.SetReadDeadline(time.Now().Add(timeout))
	typ, data, err := c.ws.ReadMessage()
	if err != nil {
		return wireMsg{}, err
	}
	if typ == websocket.BinaryMessage {
		return wireMsg{Raw: data, Binary: true}, nil
	}
	var parts [5]json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return wireMsg{}, err
	}
	m := wireMsg{Raw: data, Payload: parts[4]}
	for i, dst := range []*string{&m.JoinRef, &m.Ref, &m.Topic, &m.Event} {
		if string(parts[i]) != "null" {
			if err := json.Unmarshal(parts[i], dst); err != nil {
				return wireMsg{}, err
			}
		}
	}
	return m, nil
}

// expectNothing checks that no frame arrives for a short while.
func (c *wsClient) expectNothing(d time.Duration) {
	c.t.Helper()
	if m, err := c.readErr(d); err == nil {
		c.t.Fatalf("unexpected frame %s", m.Raw)
	}
}

// expectClose reads until the connection closes and checks the close code.
func (c *wsClient) expectClose(code int) {
	c.t.Helper()
	for {
		_, err := c.readErr(5 * time.Second)
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("want close %d, got %v", code, err)
		}
		if ce.Code != code {
			c.t.Fatalf("want close %d, got %d %q", code, ce.Code, ce.Text)
		}
		return
	}
}

// join joins topic with ref as join ref and returns the reply.
func (c *wsClient) join(topic, ref string, payload any) wireMsg {
	c.t.Helper()
	if payload == nil {
		payload = map[string]any{}
	}
	c.send(ref, ref, topic, "phx_join", payload)
	return c.expectReply(ref)
}

// expectReply reads the next frame and checks it is a phx_reply to ref.
func (c *wsClient) expectReply(ref string) wireMsg {
	c.t.Helper()
	m := c.read()
	if m.Event != "phx_reply" || m.Ref != ref {
		c.t.Fatalf("want phx_reply to ref %q, got %s", ref, m.Raw)
	}
	return m
}

// status decodes a phx_reply's payload.
func (m wireMsg) status() (string, string) {
	var p struct {
		Status   string          `json:"status"`
		Response json.RawMessage `json:"response"`
	}
	json.Unmarshal(m.Payload, &p)
	return p.Status, string(p.Response)
}

// expectStatus checks a reply's status and response.
func (c *wsClient) expectStatus(m wireMsg, status, response string) {
	c.t.Helper()
	gotStatus, gotResp := m.status()
	if gotStatus != status || gotResp != response {
		c.t.Fatalf("want %s %s, got %s", status, response, m.Raw)
	}
}

// waitFor waits for a value on ch or fails after 30 s.
func waitFor[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(30 * time.Second): // as waitUntil: a loaded machine needs it
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// waitUntil waits until cond holds, failing the test after 30 s, which a
// loaded machine needs.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !cond(); time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
	}
}
