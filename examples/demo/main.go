// Command demo serves templive's example pages, one per pattern of the
// Phoenix real-time brief.
//
//	go run ./examples/demo -addr 127.0.0.1:8080
//
// Development mode (on unless -dev=false) serves GET /dev/token?user=<id>,
// which signs anyone in, and POST /dev/disconnect?user=<id>: never expose
// them.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/pubsub"
)

// page is one entry of the home page's index.
type page struct {
	Path, Title, About string
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dev := flag.Bool("dev", true, "development mode: serve /dev/token, which signs anyone in")
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWith(ctx, config{addr: *addr, dev: *dev}, logger); err != nil {
		logger.Error("demo stopped", "err", err)
		os.Exit(1)
	}
}

// run serves the demo on addr, in development mode, until ctx is done, then
// shuts down gracefully.
func run(ctx context.Context, addr string, logger *slog.Logger) error {
	return runWith(ctx, config{addr: addr, dev: true}, logger)
}

// config is how the demo is served.
type config struct {
	addr     string
	listener net.Listener // if set, served instead of listening on addr
	dev      bool         // serve /dev/token
	// socketIdleTimeout closes sockets silent for this long; 0 for the
	// default (60 s). Tests shorten it.
	socketIdleTimeout time.Duration
}

// runWith serves the demo as cfg says until ctx is done, then shuts down
// gracefully.
func runWith(ctx context.Context, cfg config, logger *slog.Logger) error {
	ln := cfg.listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.addr); err != nil {
			return err
		}
	}
	ps, err := pubsub.New(pubsub.Options{Logger: logger})
	if err != nil {
		ln.Close()
		return err
	}
	defer ps.Close()
	// Tokens live as long as the process: a restart signs everyone out.
	secret := make([]byte, 32)
	rand.Read(secret)
	signer := live.NewSigner(secret)
	chans := newChannels(channelOptions{
		PubSub:      ps,
		Signer:      signer,
		Logger:      logger,
		IdleTimeout: cfg.socketIdleTimeout,
	})

	mux := newMux()
	chans.mount(mux)
	if cfg.dev {
		mux.Handle("GET /dev/token", devTokenHandler(signer))
		mux.Handle("POST /dev/disconnect", devDisconnectHandler(chans))
		logger.Warn("DEVELOPMENT MODE: /dev/token signs anyone in; run with -dev=false in production")
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("demo listening", "url", "http://"+ln.Addr().String())

	select {
	case err := <-errc:
		chans.shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The HTTP server does not track upgraded connections: the socket
	// closes and waits for them itself.
	err = errors.Join(srv.Shutdown(shutdownCtx), chans.shutdown(shutdownCtx))
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// newMux routes the demo's pages.
func newMux() *http.ServeMux {
	pages := []page{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := homePage(pages).Render(r.Context(), w); err != nil {
			http.Error(w, "render failed", http.StatusInternalServerError)
		}
	})
	return mux
}
