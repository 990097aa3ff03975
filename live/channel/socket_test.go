package channel

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/pubsub"
)

func TestConnectRefusalIsHTTP403BeforeUpgrade(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	_, resp, err := websocket.DefaultDialer.Dial(s.url(""), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("want HTTP 403, got %v, %v", resp, err)
	}
}

func TestConnectRequests(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	tests := []struct {
		name   string
		url    string
		header http.Header
		status int
	}{
		{"A request without vsn is refused as an unsupported version.", strings.Replace(s.url("user=1"), "vsn=2.0.0", "vsn=1.0.0", 1), nil, http.StatusBadRequest},
		{"A path other than /websocket and /longpoll is not found.", strings.Replace(s.url("user=1"), "/websocket", "/elsewhere", 1), nil, http.StatusNotFound},
		{"An Origin of another host is forbidden.", s.url("user=1"), http.Header{"Origin": {"http://evil.example"}}, http.StatusForbidden},
		{"An Origin of the same host is accepted.", s.url("user=1"), http.Header{"Origin": {s.URL}}, http.StatusSwitchingProtocols},
		{"A request without Origin is accepted.", s.url("user=1"), nil, http.StatusSwitchingProtocols},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws, resp, err := websocket.DefaultDialer.Dial(tt.url, tt.header)
			if ws != nil {
				ws.Close()
			}
			if resp == nil {
				t.Fatalf("no response: %v", err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("want %d, got %d (%v)", tt.status, resp.StatusCode, err)
			}
		})
	}
}

func TestAllowedOrigins(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{AllowedOrigins: []string{"https://app.example", "https://*.example.org", "//any.example"}}, nil)
	tests := []struct {
		name   string
		origin string
		ok     bool
	}{
		{"A listed origin is accepted.", "https://app.example", true},
		{"A listed origin with another scheme is refused.", "http://app.example", false},
		{"A subdomain of a wildcard entry is accepted.", "https://a.b.example.org", true},
		{"A subdomain of a wildcard entry with another scheme is refused.", "http://a.b.example.org", false},
		{"The bare domain of a wildcard entry is refused.", "https://example.org", false},
		{"An entry without a scheme accepts https.", "https://any.example", true},
		{"An entry without a scheme accepts http.", "http://any.example", true},
		{"An unlisted origin is refused.", "https://example.net", false},
		{"A malformed origin is refused.", "::", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ws, resp, err := websocket.DefaultDialer.Dial(s.url("user=1"), http.Header{"Origin": {tt.origin}})
			if ws != nil {
				ws.Close()
			}
			if got := err == nil; got != tt.ok {
				t.Fatalf("accepted = %v, want %v (%v, %v)", got, tt.ok, resp, err)
			}
		})
	}
}

func TestTheRequestsOwnOriginNeedsItsScheme(t *testing.T) {
	t.Parallel()
	sock := NewSocket(SocketOptions[*testUser]{Limits: Limits{IdleTimeout: 5 * time.Second}})
	sock.Channel("room:*", func(cc *Conn, u *testUser) Channel { return &testChannel{cc: cc, user: u} })
	plain := httptest.NewServer(sock)
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(sock)
	t.Cleanup(tlsSrv.Close)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := sock.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	plainHost := strings.TrimPrefix(plain.URL, "http://")
	tlsHost := strings.TrimPrefix(tlsSrv.URL, "https://")
	tests := []struct {
		name   string
		server *httptest.Server
		origin string
		ok     bool
	}{
		{"An http page may open the socket of its host over plain HTTP.", plain, "http://" + plainHost, true},
		{"An https page may open the socket of its host over TLS.", tlsSrv, "https://" + tlsHost, true},
		{"An http page may not open the socket of its host over TLS.", tlsSrv, "http://" + tlsHost, false},
		{"An https page may not open the socket of its host over plain HTTP, whatever X-Forwarded-Proto says.", plain, "https://" + plainHost, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := websocket.Dialer{}
			u := "ws" + strings.TrimPrefix(tt.server.URL, "http") + "/websocket?vsn=2.0.0"
			if tt.server == tlsSrv {
				d.TLSClientConfig = tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig
			}
			h := http.Header{"Origin": {tt.origin}, "X-Forwarded-Proto": {"https"}}
			ws, resp, err := d.Dial(u, h)
			if ws != nil {
				ws.Close()
			}
			if got := err == nil; got != tt.ok {
				t.Fatalf("accepted = %v, want %v (%v, %v)", got, tt.ok, resp, err)
			}
			if !tt.ok && (resp == nil || resp.StatusCode != http.StatusForbidden) {
				t.Fatalf("want HTTP 403, got %v", resp)
			}
		})
	}
}

func TestAnAllowedOriginWithoutAHostPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if v := recover(); v == nil || !strings.Contains(fmt.Sprint(v), `"example.com"`) {
			t.Fatalf("recovered %v, want a panic naming the entry", v)
		}
	}()
	NewSocket(SocketOptions[*testUser]{AllowedOrigins: []string{"example.com"}})
}

func TestConnectInfoAndAuthToken(t *testing.T) {
	t.Parallel()
	infos := make(chan *ConnectInfo, 1)
	s := startSocket(t, SocketOptions[*testUser]{
		Connect: func(_ context.Context, info *ConnectInfo) (*testUser, error) {
			infos <- info
			if info.AuthToken != "secret token" {
				return nil, errors.New("bad token")
			}
			return &testUser{ID: "7"}, nil
		},
	}, nil)
	proto := "base64url.bearer.phx." + base64.RawURLEncoding.EncodeToString([]byte("secret token"))
	header := http.Header{
		"Sec-WebSocket-Protocol": {"phoenix, " + proto},
		"Cookie":                 {"session=abc"},
		"Origin":                 {s.URL},
	}
	ws, _, err := websocket.DefaultDialer.Dial(s.url("a=1"), header)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if ws.Subprotocol() != "phoenix" {
		t.Errorf("subprotocol %q, want phoenix echoed", ws.Subprotocol())
	}
	info := waitFor(t, infos, "Connect")
	if info.Params.Get("a") != "1" || info.Params.Has("vsn") {
		t.Errorf("params %v, want a=1 without vsn", info.Params)
	}
	if info.Origin != s.URL || info.RemoteAddr == "" || len(info.Cookies) != 1 || info.Cookies[0].Value != "abc" {
		t.Errorf("connect info %+v", info)
	}
	c := &wsClient{t: t, ws: ws}
	c.expectStatus(c.join("room:1", "1", nil), "ok", `{"user":"7"}`)
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	c := s.dial(t, "1")
	c.send("", "9", "phoenix", "heartbeat", map[string]any{})
	m := c.expectReply("9")
	if string(m.Raw) != `[null,"9","phoenix","phx_reply",{"status":"ok","response":{}}]` {
		t.Fatalf("heartbeat reply %s", m.Raw)
	}
}

// TestIdleTimeout checks that heartbeats keep a connection open while a
// silent one, opened after it, is closed for being idle.
func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	const idle = time.Second
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{IdleTimeout: idle}}, nil)
	talking := s.dial(t, "1")
	silent := s.dial(t, "2")
	closed := make(chan error, 1)
	go func() {
		_, err := silent.readErr(time.Minute)
		closed <- err
	}()
	for i := 0; ; i++ {
		ref := strconv.Itoa(i)
		talking.send("", ref, "phoenix", "heartbeat", map[string]any{})
		talking.expectReply(ref)
		select {
		case err := <-closed:
			// The silent connection was idle for the idle timeout, and the
			// talking one has lived longer.
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure || ce.Text != "idle timeout" {
				t.Fatalf("the silent connection: %v, want close 1000 idle timeout", err)
			}
			talking.send("", "last", "phoenix", "heartbeat", map[string]any{})
			talking.expectReply("last")
			return
		case <-time.After(idle / 10):
		}
	}
}

func TestBadInputClosesOnlyThatConnection(t *testing.T) {
	t.Parallel()
	// The bystander stays idle while the cases run, however long a loaded
	// machine takes to get to them.
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{ReadLimit: 1024, IdleTimeout: time.Minute}}, nil)
	tests := []struct {
		name string
		typ  int
		data []byte
		code int
	}{
		{"Text that is not JSON is malformed.", websocket.TextMessage, []byte("hello"), websocket.CloseInvalidFramePayloadData},
		{"An array of four elements is malformed.", websocket.TextMessage, []byte(`[null,"1","room:1","x"]`), websocket.CloseInvalidFramePayloadData},
		{"A numeric ref is malformed.", websocket.TextMessage, []byte(`[null,1,"room:1","x",{}]`), websocket.CloseInvalidFramePayloadData},
		{"An empty topic is malformed.", websocket.TextMessage, []byte(`[null,"1","","x",{}]`), websocket.CloseInvalidFramePayloadData},
		{"A binary frame of the reply kind is malformed.", websocket.BinaryMessage, []byte{1, 0, 0, 0, 0}, websocket.CloseInvalidFramePayloadData},
		{"A binary frame whose fields overrun it is malformed.", websocket.BinaryMessage, []byte{0, 9, 9, 9, 9, 'a'}, websocket.CloseInvalidFramePayloadData},
		{"A frame over the read limit is too big.", websocket.TextMessage, []byte(`[null,"1","room:1","x","` + strings.Repeat("a", 2000) + `"]`), websocket.CloseMessageTooBig},
	}
	bystander := s.dial(t, "0")
	bystander.join("room:calm", "1", nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := s.dial(t, "1")
			c.sendRaw(tt.typ, tt.data)
			c.expectClose(tt.code)
		})
	}
	t.Cleanup(func() {
		bystander.send("1", "2", "room:calm", "echo", map[string]int{"still": 1})
		bystander.expectStatus(bystander.expectReply("2"), "ok", `{"still":1}`)
	})
}

func TestTooManyChannels(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{MaxChannels: 2}}, nil)
	c := s.dial(t, "1")
	c.expectStatus(c.join("room:1", "1", nil), "ok", `{"user":"1"}`)
	c.expectStatus(c.join("room:2", "2", nil), "ok", `{"user":"1"}`)
	c.expectStatus(c.join("room:3", "3", nil), "error", `{"reason":"too many channels joined"}`)
	// Leaving one makes room again.
	c.send("1", "4", "room:1", "phx_leave", map[string]any{})
	c.expectStatus(c.expectReply("4"), "ok", `{}`)
	c.expectStatus(c.join("room:3", "5", nil), "ok", `{"user":"1"}`)
}

func TestSlowClientIsDisconnected(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{OutboundBytes: 1}}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			big := strings.Repeat("x", 64<<10)
			for range 1000 {
				if err := cc.Push("flood", big); err != nil {
					if !errors.Is(err, ErrSlowClient) && !errors.Is(err, ErrClosed) {
						t.Errorf("push: %v", err)
					}
					break
				}
			}
			return NoReply, nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "flood_me", nil)
	c.expectClose(websocket.ClosePolicyViolation)
}

func TestDisconnectClosesEverySocketOfOneID(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	a1, a2, b := s.dial(t, "a"), s.dial(t, "a"), s.dial(t, "b")
	// Joining proves the connections (and their ID subscriptions) are up.
	for _, c := range []*wsClient{a1, a2, b} {
		c.join("room:1", "1", nil)
	}
	if err := s.sock.Disconnect(t.Context(), "user_socket:a"); err != nil {
		t.Fatal(err)
	}
	a1.expectClose(websocket.CloseNormalClosure)
	a2.expectClose(websocket.CloseNormalClosure)
	b.send("", "h", "phoenix", "heartbeat", map[string]any{})
	b.expectReply("h")
}

func TestDisconnectAndBroadcastCrossNodes(t *testing.T) {
	t.Parallel()
	cluster := pubsub.NewMemoryCluster()
	newNode := func(name string) *testServer {
		ps, err := pubsub.New(pubsub.Options{Node: name, Adapter: cluster.Adapter(name)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ps.Close() })
		return startSocket(t, SocketOptions[*testUser]{PubSub: ps}, nil)
	}
	n1, n2 := newNode("n1"), newNode("n2")
	c1, c2 := n1.dial(t, "a"), n2.dial(t, "a")
	c1.join("room:x", "1", nil)
	c2.join("room:x", "1", nil)

	if err := n1.sock.Broadcast(t.Context(), "room:x", "news", map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*wsClient{c1, c2} {
		if m := c.read(); string(m.Raw) != `[null,null,"room:x","news",{"n":1}]` {
			t.Fatalf("broadcast frame %s", m.Raw)
		}
	}
	if err := n1.sock.Disconnect(t.Context(), "user_socket:a"); err != nil {
		t.Fatal(err)
	}
	c1.expectClose(websocket.CloseNormalClosure)
	c2.expectClose(websocket.CloseNormalClosure)
}

func TestShutdown(t *testing.T) {
	t.Parallel()
	terminated := make(chan error, 2)
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.terminate = func(reason error) { terminated <- reason }
	})
	c1, c2 := s.dial(t, "1"), s.dial(t, "2")
	c1.join("room:1", "1", nil)
	c2.join("room:1", "1", nil)

	done := make(chan error, 1)
	go func() { done <- s.sock.Shutdown(t.Context()) }()
	c1.expectClose(websocket.CloseGoingAway)
	c2.expectClose(websocket.CloseGoingAway)
	if err := waitFor(t, done, "Shutdown"); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if r := waitFor(t, terminated, "Terminate"); !errors.Is(r, ErrClosed) {
			t.Errorf("Terminate reason %v, want ErrClosed", r)
		}
	}
	// Shutdown is idempotent, and the socket refuses new connections.
	if err := s.sock.Shutdown(t.Context()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	_, resp, err := websocket.DefaultDialer.Dial(s.url("user=3"), nil)
	if err == nil || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial after Shutdown: %v, %v", resp, err)
	}
}

func TestShutdownHonoursContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.terminate = func(error) { <-release }
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := s.sock.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown with a stuck channel: %v", err)
	}
	close(release)
}

func TestBinaryFrames(t *testing.T) {
	t.Parallel()
	var gotBinary atomic.Value
	s := startSocket(t, SocketOptions[*testUser]{}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, ev Message) (Reply, error) {
			gotBinary.Store(string(ev.Binary))
			if err := cc.Push("blob", Binary("pushed")); err != nil {
				return NoReply, err
			}
			return ReplyOK(Binary("replied")), nil
		}
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	frame, _ := encodeBinary(kindPush, []string{"1", "2", "room:1", "upload"}, []byte{0, 1, 2})
	c.sendRaw(websocket.BinaryMessage, frame)

	push := c.read()
	wantPush, _ := encodeBinary(kindPush, []string{"1", "room:1", "blob"}, []byte("pushed"))
	if !push.Binary || string(push.Raw) != string(wantPush) {
		t.Fatalf("binary push %q, want %q", push.Raw, wantPush)
	}
	reply := c.read()
	wantReply, _ := encodeBinary(kindReply, []string{"1", "2", "room:1", "ok"}, []byte("replied"))
	if !reply.Binary || string(reply.Raw) != string(wantReply) {
		t.Fatalf("binary reply %q, want %q", reply.Raw, wantReply)
	}
	if got := gotBinary.Load(); got != "\x00\x01\x02" {
		t.Fatalf("HandleIn got binary %q", got)
	}
}

func TestUnmatchedTopics(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{}, nil)
	c := s.dial(t, "1")

	c.send("1", "1", "lobby", "phx_join", map[string]any{})
	m := c.expectReply("1")
	if m.JoinRef != "" {
		t.Errorf("unmatched topic reply has join_ref %q, want null", m.JoinRef)
	}
	c.expectStatus(m, "error", `{"reason":"unmatched topic"}`)

	c.send("1", "2", "room:never-joined", "new_msg", map[string]any{})
	c.expectStatus(c.expectReply("2"), "error", `{"reason":"unmatched topic"}`)
}

func TestBroadcastFrameIsEncodedOnce(t *testing.T) {
	t.Parallel()
	b, err := NewBroadcast("room:1", "ev", map[string]int{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	f1, _ := b.encoded()
	f2, _ := b.encoded()
	if &f1.data[0] != &f2.data[0] {
		t.Fatal("encoded twice")
	}
	if string(f1.data) != `[null,null,"room:1","ev",{"a":1}]` {
		t.Fatalf("frame %s", f1.data)
	}
	var decoded Broadcast
	data, _ := json.Marshal(b)
	if err := json.Unmarshal(data, &decoded); err != nil || string(decoded.Payload) != `{"a":1}` {
		t.Fatalf("Broadcast does not round-trip through JSON: %s, %v", data, err)
	}
}

func TestEventRateLimit(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{EventsPerSecond: 5}}, nil)
	c := s.dial(t, "1")
	// A burst of twice the rate passes; the first reply proves it.
	for i := range 30 {
		frame := encodeText("", strconv.Itoa(i), "phoenix", "heartbeat", nil)
		if c.ws.WriteMessage(websocket.TextMessage, frame) != nil {
			break // closed already
		}
	}
	c.expectReply("0")
	c.expectClose(websocket.ClosePolicyViolation)
}

func TestRateLimitRefills(t *testing.T) {
	t.Parallel()
	r := newRateLimit(2)
	now := time.Now()
	for range 4 {
		if !r.allow(now) {
			t.Fatal("burst refused")
		}
	}
	if r.allow(now) {
		t.Fatal("over the burst allowed")
	}
	if !r.allow(now.Add(500 * time.Millisecond)) {
		t.Fatal("not refilled after half a second")
	}
}

func TestWriteTimeoutClosesAStuckClient(t *testing.T) {
	t.Parallel()
	reasons := make(chan error, 1)
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{OutboundBytes: 1 << 30, WriteTimeout: 100 * time.Millisecond, SlowClientTimeout: time.Minute}}, func(ch *testChannel) {
		ch.handleIn = func(_ context.Context, cc *Conn, _ Message) (Reply, error) {
			big := json.RawMessage(`"` + strings.Repeat("x", 256<<10) + `"`)
			for range 200 { // 50 MiB: more than the socket buffers hold
				if cc.Push("flood", big) != nil {
					break
				}
			}
			return NoReply, nil
		}
		ch.terminate = func(r error) { reasons <- r }
	})
	c := s.dial(t, "1")
	c.join("room:1", "1", nil)
	c.send("1", "2", "room:1", "flood_me", nil)
	// The client reads nothing; the server's write times out.
	if r := waitFor(t, reasons, "Terminate"); !errors.Is(r, ErrClosed) {
		t.Fatalf("Terminate reason %v", r)
	}
	// The close is logged once the connection's goroutines are done.
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(s.logs.String(), "i/o timeout"); {
		if time.Now().After(deadline) {
			t.Fatalf("no write timeout in the logs:\n%s", s.logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// BenchmarkBroadcastFanout measures one broadcast reaching 100 connections
// that joined its topic, until the last client has read it.
func BenchmarkBroadcastFanout(b *testing.B) {
	const clients = 100
	s := startSocket(b, SocketOptions[*testUser]{Logger: slog.New(slog.DiscardHandler)}, nil)
	got := make(chan struct{}, clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := s.dial(b, strconv.Itoa(i))
		c.join("room:1", "1", nil)
		wg.Go(func() {
			for {
				if _, _, err := c.ws.ReadMessage(); err != nil {
					return
				}
				got <- struct{}{}
			}
		})
	}
	b.Cleanup(wg.Wait)
	ctx := context.Background()
	for b.Loop() {
		if err := s.sock.Broadcast(ctx, "room:1", "tick", map[string]int{"n": 1}); err != nil {
			b.Fatal(err)
		}
		for range clients {
			<-got
		}
	}
}

func BenchmarkEncodePush(b *testing.B) {
	payload := map[string]string{"body": "hello there", "user_id": "42"}
	for b.Loop() {
		if _, err := encodePush("1", "room:lobby", "new_msg", payload); err != nil {
			b.Fatal(err)
		}
	}
}

// TestConnectionsAreCappedInAllAndPerAddress opens real connections from
// two loopback addresses: past MaxConnectionsPerAddr from one address a
// connect gets 429, past MaxConnections in all 503, both before the
// upgrade; a connection that ends makes room again.
func TestConnectionsAreCappedInAllAndPerAddress(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{MaxConnections: 3, MaxConnectionsPerAddr: 2}}, nil)
	// dialFrom connects from a loopback address and returns the
	// connection, or nil and the HTTP status of the refusal.
	dialFrom := func(ip string) (*websocket.Conn, int) {
		t.Helper()
		d := websocket.Dialer{NetDialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext}
		ws, resp, err := d.Dial(s.url("user=1"), nil)
		if err == nil {
			t.Cleanup(func() { ws.Close() })
			return ws, 0
		}
		if resp == nil {
			t.Fatalf("dial from %s: %v", ip, err)
		}
		return nil, resp.StatusCode
	}
	first, _ := dialFrom("127.0.0.1")
	if _, status := dialFrom("127.0.0.1"); status != 0 {
		t.Fatalf("the second connection from one address: %d", status)
	}
	if _, status := dialFrom("127.0.0.1"); status != http.StatusTooManyRequests {
		t.Fatalf("a third connection from one address: %d, want 429", status)
	}
	if _, status := dialFrom("127.0.0.2"); status != 0 {
		t.Fatalf("a connection from another address: %d", status)
	}
	if _, status := dialFrom("127.0.0.2"); status != http.StatusServiceUnavailable {
		t.Fatalf("a fourth connection in all: %d, want 503", status)
	}
	// The refused connects were not upgraded: the served connections
	// still answer.
	c := &wsClient{t: t, ws: first}
	c.send("", "1", "phoenix", "heartbeat", map[string]any{})
	c.expectReply("1")
	// One ends; once the server has seen it end, there is room again.
	first.Close()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		_, status := dialFrom("127.0.0.1")
		if status == 0 {
			break
		}
		if status != http.StatusServiceUnavailable && status != http.StatusTooManyRequests {
			t.Fatalf("a connect while the first one ends: %d", status)
		}
		if time.Now().After(deadline) {
			t.Fatal("no room after a connection ended")
		}
	}
}

// TestPingsCountAgainstTheEventRateLimit floods the socket with
// WebSocket pings, which gorilla would answer with a pong each: they
// count as frames, and the client is closed as for any flood.
func TestPingsCountAgainstTheEventRateLimit(t *testing.T) {
	t.Parallel()
	s := startSocket(t, SocketOptions[*testUser]{Limits: Limits{EventsPerSecond: 5}}, nil)
	c := s.dial(t, "1")
	// 200 pings would take 40 s at 5 a second.
	for range 200 {
		if c.ws.WriteControl(websocket.PingMessage, []byte("hi"), time.Now().Add(5*time.Second)) != nil {
			break // closed already
		}
	}
	c.expectClose(websocket.ClosePolicyViolation)
	waitForLog(t, s, "over the event rate limit")
}
