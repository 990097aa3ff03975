package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/templive/templive/internal/browsertest"
)

// restartable serves the demo on one address, and can stop it and start a
// new one there, as a deploy or a crash and restart would.
type restartable struct {
	t      *testing.T
	addr   string
	secret []byte
	app    *app
	srv    *http.Server
	done   chan error
}

func (r *restartable) start() {
	r.t.Helper()
	a, err := newApp(config{cluster: clusterConfig{secret: r.secret}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		r.t.Fatal(err)
	}
	var ln net.Listener
	for range 50 { // the old listener's port may take a moment to free
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.app, r.srv, r.done = a, &http.Server{Handler: a.mux}, make(chan error, 1)
	go func() { r.done <- r.srv.Serve(ln) }()
}

func (r *restartable) stop() {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
	r.app.shutdown(ctx)
	<-r.done
	r.app.close()
}

func TestBrowserReconnectsAfterARestartAndRecoversTheForm(t *testing.T) {
	t.Parallel()
	r := &restartable{t: t, addr: fmt.Sprintf("127.0.0.%d:0", 2+hosts.Add(1)%250), secret: []byte(strings.Repeat("r", 32))}
	r.start()
	t.Cleanup(r.stop)
	base := "http://" + r.addr

	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(base + "/signup")
	connected(tab)
	tab.Type("#signup-email", "not-an-email")
	tab.WaitText("#signup-email-error", "email address")
	tab.Focus("#signup-name") // the email field is no longer focused: the server's render decides it

	r.stop()
	tab.Wait(`(c => c.contains("live-error") || c.contains("live-loading"))(document.querySelector("[data-live-root]").classList)`)
	if tab.Value("#signup-email") != "not-an-email" {
		t.Fatal("the page lost what the user typed while disconnected")
	}
	r.start()

	// The client reconnects by itself, rejoins, and sends the form back: the
	// new server's first render already shows what the user had typed.
	connected(tab)
	tab.Wait(`document.querySelector("#signup-email").getAttribute("value") == "not-an-email"`)
	tab.WaitText("#signup-email-error", "email address")
	if v := tab.Value("#signup-email"); v != "not-an-email" {
		t.Fatalf("after the restart the email field shows %q", v)
	}
}
