package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// serveWith runs the demo on a loopback port with cfg until the test ends
// and returns its address.
func serveWith(t *testing.T, cfg config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.listener = ln
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- runWith(ctx, cfg, slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("demo stopped with %v", err)
		}
	})
	return ln.Addr().String()
}

// closedWithin reports whether the server closes conn within d. Whatever
// it sends before closing is read and dropped.
func closedWithin(conn net.Conn, d time.Duration) bool {
	closed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, conn)
		close(closed)
	}()
	select {
	case <-closed:
		return true
	case <-time.After(d):
		conn.Close()
		<-closed
		return false
	}
}

// TestSlowAndIdleConnectionsAreClosed plays the clients that held the
// demo's connections forever: one trickling a form post a byte at a time,
// one sitting idle on a keep-alive connection. With the limits shortened,
// the server closes both within a bounded time.
func TestSlowAndIdleConnectionsAreClosed(t *testing.T) {
	t.Parallel()
	const limit = 300 * time.Millisecond
	const bound = 5 * time.Second // far above limit, far below forever
	addr := serveWith(t, config{dev: true, http: httpLimits{read: limit, idle: limit}})

	t.Run("a trickled request body is cut off", func(t *testing.T) {
		t.Parallel()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, "POST /signin HTTP/1.1\r\nHost: "+addr+"\r\n"+
			"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nname="); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
				}
			}
		}()
		if !closedWithin(conn, bound) {
			t.Fatalf("a body trickled for %v is still being read; the read limit is %v", bound, limit)
		}
	})

	t.Run("an idle keep-alive connection is closed", func(t *testing.T) {
		t.Parallel()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, "GET /static/demo.css HTTP/1.1\r\nHost: "+addr+"\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close {
			t.Fatal("the server closed the connection after one request; want keep-alive")
		}
		if !closedWithin(conn, bound) {
			t.Fatalf("an idle connection is still open after %v; the idle limit is %v", bound, limit)
		}
	})
}

// TestWebSocketsOutliveTheHTTPLimits checks that the limits stop at the
// upgrade: a socket quiet for longer than every one of them still
// answers a heartbeat.
func TestWebSocketsOutliveTheHTTPLimits(t *testing.T) {
	t.Parallel()
	const limit = 200 * time.Millisecond
	addr := serveWith(t, config{dev: true, http: httpLimits{readHeader: limit, read: limit, write: limit, idle: limit}})
	resp, err := http.Get("http://" + addr + "/dev/token?user=ada")
	if err != nil {
		t.Fatal(err)
	}
	token, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ws, resp, err := websocket.DefaultDialer.Dial("ws://"+addr+"/socket/websocket?vsn=2.0.0&token="+string(token), http.Header{"Origin": {"http://" + addr}})
	if err != nil {
		if resp != nil {
			body, _ := io.ReadAll(resp.Body)
			t.Fatalf("%v: %s %s", err, resp.Status, body)
		}
		t.Fatal(err)
	}
	defer ws.Close()
	time.Sleep(5 * limit)
	if err := ws.WriteMessage(websocket.TextMessage, []byte(`[null,"1","phoenix","heartbeat",{}]`)); err != nil {
		t.Fatalf("write after %v: %v", 5*limit, err)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, reply, err := ws.ReadMessage()
	if err != nil {
		t.Fatalf("read after %v: %v", 5*limit, err)
	}
	if !strings.Contains(string(reply), `"ok"`) {
		t.Fatalf("heartbeat reply %s", reply)
	}
}

// TestTheDemoSetsEveryHTTPLimit checks the defaults: an unset limit is
// none at all in net/http.
func TestTheDemoSetsEveryHTTPLimit(t *testing.T) {
	t.Parallel()
	srv := newHTTPServer(http.NotFoundHandler(), httpLimits{})
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Fatalf("timeouts: header %v, read %v, write %v, idle %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes >= http.DefaultMaxHeaderBytes {
		t.Fatalf("MaxHeaderBytes %d: want a bound below net/http's default %d", srv.MaxHeaderBytes, http.DefaultMaxHeaderBytes)
	}
}
