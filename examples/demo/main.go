// Command demo serves templive's example pages, one per pattern of the
// Phoenix real-time brief.
//
//	go run ./examples/demo -addr 127.0.0.1:8080
//
// Several nodes share broadcasts and presence through Redis or NATS
// (-pubsub), a signing secret (-secret-file or TEMPLIVE_SECRET) and the
// feed's database (-db); cluster.go has the flags. With -addr
// 127.0.0.1:0 the node picks a free port and logs its URL.
//
// Development mode (on unless -dev=false) serves GET /dev/token?user=<id>,
// which signs anyone in, and POST /dev/disconnect?user=<id>: never expose
// them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/dashboard"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/token"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on")
	dev := flag.Bool("dev", true, "development mode: serve /dev/token, which signs anyone in")
	db := flag.String("db", filepath.Join("data", "demo.db"), "SQLite database file of the feed, created on first run")
	admins := flag.String("admins", "", "comma-separated users who may broadcast notifications at /admin and get admin alerts")
	maxViewMB := flag.Int64("max-view-mb", 512, "MiB the connected live views may hold together before joins are refused as \"server busy\"; negative for no cap")
	compress := flag.Bool("compress", false, "offer permessage-deflate on the live and user sockets (frames of 1 KB and more are deflated)")
	clusterFlags := addClusterFlags(flag.CommandLine)
	flag.Parse()

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	cluster, err := clusterFlags.config(os.Getenv, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runWith(ctx, config{addr: *addr, dev: *dev, dbPath: *db, cluster: cluster, maxViewBytes: viewBytes(*maxViewMB), admins: strings.Split(*admins, ","),
		compression: channel.Compression{Enabled: *compress}}, logger); err != nil {
		logger.Error("demo stopped", "err", err)
		os.Exit(1)
	}
}

// config is how the demo is served.
type config struct {
	addr     string
	listener net.Listener // if set, served instead of listening on addr
	dev      bool         // serve /dev/token
	dbPath   string       // the feed's SQLite file; "" keeps it in memory
	// socketIdleTimeout closes sockets silent for this long; 0 for the
	// default (60 s). Tests shorten it.
	socketIdleTimeout time.Duration
	cluster           clusterConfig // the other nodes; the zero value for none
	panels            panelTimings  // how slow the panels' backends are; tests shorten it
	http              httpLimits    // the zero value for the defaults
	// maxViewBytes is live.Options.MaxViewBytes: what the connected views
	// may hold together; 0 for the library's default (no cap without
	// GOMEMLIMIT), negative for no cap.
	maxViewBytes int64
	admins       []string // the users who may use /admin
	// compression is the permessage-deflate setting of the live socket
	// and the user socket; the zero value leaves it off.
	compression channel.Compression
}

// viewBytes converts the -max-view-mb flag to bytes: negative stays no
// cap, and 0, which would mean the library's default, is no cap too.
func viewBytes(mb int64) int64 {
	if mb <= 0 {
		return -1
	}
	return mb << 20
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
		cfg.listener = ln // names the node
	}
	app, err := newApp(cfg, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer app.close()

	srv := newHTTPServer(app.mux, cfg.http)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("demo listening", "url", "http://"+ln.Addr().String())

	select {
	case err := <-errc:
		app.shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The HTTP server does not track upgraded connections: the sockets
	// close and wait for them themselves.
	err = errors.Join(srv.Shutdown(shutdownCtx), app.shutdown(shutdownCtx))
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// app is the demo's handlers and the services behind them.
type app struct {
	mux     *http.ServeMux
	ps      *pubsub.PubSub
	tracker *presence.Tracker[RoomMeta]
	store   *content.Store
	notes   *notifier
	media   *media
	chans   *channels
	live    *live.Server
	dash    *dashboard.Dashboard
	tel     *telemetry
}

// newApp builds the demo: PubSub, presence, the user socket, the live
// views and the routes.
func newApp(cfg config, logger *slog.Logger) (*app, error) {
	ps, err := pubsub.New(pubsub.Options{
		Node:    cfg.cluster.nodeName(cfg.listener),
		Adapter: cfg.cluster.adapter,
		Logger:  logger,
	})
	if err != nil {
		return nil, err
	}
	cfg.cluster.logCluster(logger, ps)
	tracker, err := presence.New(ps, cfg.cluster.presenceOptions(logger))
	if err != nil {
		ps.Close()
		return nil, err
	}
	dbPath := cfg.dbPath
	if dbPath == "" {
		dbPath = content.MemoryPath
	}
	store, err := content.Open(context.Background(), dbPath, ps, content.WithLogger(logger))
	if err != nil {
		tracker.Close()
		ps.Close()
		return nil, fmt.Errorf("open the feed's database: %w", err)
	}
	notes, err := openNotifier(context.Background(), dbPath, ps, cfg.admins, logger)
	if err != nil {
		store.Close()
		tracker.Close()
		ps.Close()
		return nil, fmt.Errorf("open the notifications: %w", err)
	}
	media, err := openMedia(cfg.dbPath)
	if err != nil {
		notes.Close()
		store.Close()
		tracker.Close()
		ps.Close()
		return nil, err
	}
	tel, err := newTelemetry()
	if err != nil {
		media.close()
		notes.Close()
		store.Close()
		tracker.Close()
		ps.Close()
		return nil, fmt.Errorf("telemetry: %w", err)
	}
	secret := cfg.cluster.signingSecret(logger)
	signer := token.NewSigner(secret)
	a := &auth{signer: signer}
	lim := newLimits()
	chans := newChannels(channelOptions{
		PubSub:      ps,
		Signer:      signer,
		Tracker:     tracker,
		Limits:      lim,
		Logger:      logger,
		IdleTimeout: cfg.socketIdleTimeout,
		Observer:    tel.Channels(),
		Compression: cfg.compression,
	})
	lv, dash, err := newLive(liveOptions{
		Secret:       secret,
		PubSub:       ps,
		Auth:         a,
		Tracker:      tracker,
		Rooms:        chans.rooms,
		Store:        store,
		Notes:        notes,
		Media:        media,
		Limits:       lim,
		Logger:       logger,
		Panels:       cfg.panels,
		MaxViewBytes: cfg.maxViewBytes,
		Dev:          cfg.dev,
		Observer:     tel,
		Compression:  cfg.compression,
	})
	if err != nil {
		tel.close()
		return nil, err
	}
	if err := tel.observe(ps, tracker, lv); err != nil {
		// Only a programming error: the instruments are the same each time.
		logger.Error("metrics not observed", "err", err)
	}

	a.signedOut = func(ctx context.Context, user string) error {
		return errors.Join(lv.Disconnect(ctx, liveSocketID(live.Session{"user": user})),
			chans.sock.Disconnect(ctx, (&UserSocket{UserID: user}).socketID()))
	}

	mux := http.NewServeMux()
	chans.mount(mux)
	a.mount(mux)
	if err := mountBoard(chans, ps); err != nil {
		dash.Close()
		tel.close()
		notes.Close()
		store.Close()
		tracker.Close()
		ps.Close()
		return nil, err
	}
	mux.Handle("GET /static/", staticHandler())
	mux.Handle("GET /media/{name}", media)
	mux.Handle("GET /board", boardHandler(a))
	mux.Handle("GET /metrics", tel.handler)
	mux.Handle("/", lv)
	if cfg.dev {
		mux.Handle("GET /dev/token", devTokenHandler(signer))
		mux.Handle("POST /dev/disconnect", devDisconnectHandler(chans))
		logger.Warn("DEVELOPMENT MODE: /dev/token signs anyone in; run with -dev=false in production")
	}
	return &app{mux: mux, ps: ps, tracker: tracker, store: store, notes: notes, media: media, chans: chans, live: lv, dash: dash, tel: tel}, nil
}

// shutdown closes every live connection and waits for them.
func (a *app) shutdown(ctx context.Context) error {
	return errors.Join(a.live.Shutdown(ctx), a.chans.shutdown(ctx))
}

// close releases the services once the connections are gone.
func (a *app) close() {
	a.dash.Close()
	a.notes.Close()
	a.tel.close()
	a.store.Close()
	a.media.close() // a temporary directory only; the real one stays
	a.tracker.Close()
	a.ps.Close()
}
