package channel

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/pubsub"
)

// Defaults of [Limits].
const (
	DefaultMaxChannels   = 100
	DefaultReadLimit     = 1 << 20
	DefaultIdleTimeout   = 60 * time.Second
	DefaultWriteTimeout  = 10 * time.Second
	DefaultOutboundBytes = 4 << 20
	DefaultInboundBytes  = 4 << 20
	DefaultChannelQueue  = 64

	DefaultMaxConnections = 20_000
)

// authTokenPrefix marks the subprotocol that carries the phoenix client's
// authToken: "base64url.bearer.phx." + base64url(token).
const authTokenPrefix = "base64url.bearer.phx."

// readBufferSize is the size of each connection's read buffer.
const readBufferSize = 1024

// closeGrace is how long a closing connection waits for the client to
// answer its close frame before dropping the TCP connection.
const closeGrace = time.Second

// SocketOptions configures a [Socket]. The zero value accepts every
// connection with the zero state, no socket ID, a private in-process
// PubSub and the defaults above.
type SocketOptions[S any] struct {
	// Connect decides whether to accept a connection, and with which
	// state, from the connect params and the request. An error refuses it:
	// the client receives HTTP 403 before any upgrade. Nil accepts all.
	Connect func(ctx context.Context, info *ConnectInfo) (S, error)
	// ID names the sockets of one user, such as "user_socket:42", so that
	// [Socket.Disconnect] can close them all, on every node. "" (or a nil
	// ID) makes the socket anonymous.
	ID func(state S) string

	// PubSub carries broadcasts and disconnects between channels and
	// nodes. The socket does not close it. Nil gives the socket a private
	// in-process PubSub that [Socket.Shutdown] closes.
	PubSub *pubsub.PubSub
	// Logger receives connection and channel errors; the default is
	// [slog.Default].
	Logger *slog.Logger

	// CheckOrigin decides whether a request's Origin is acceptable. The
	// default accepts requests without an Origin header (not from a
	// browser), the request's own origin, and the origins in
	// AllowedOrigins. The request's own origin is its Host with the scheme
	// it came over: "https" if it came over TLS, "http" otherwise, so a
	// page served over plain HTTP cannot open the socket of an HTTPS
	// site. X-Forwarded-Proto is not trusted: behind a proxy that
	// terminates TLS, list the site's origin ("https://example.com") in
	// AllowedOrigins, or decide in CheckOrigin.
	CheckOrigin func(r *http.Request) bool
	// AllowedOrigins lists more acceptable origins for the default
	// CheckOrigin, as "https://example.com", or "https://*.example.com"
	// for any subdomain. The scheme must match too; an entry without one,
	// "//example.com" (as in Phoenix's check_origin), accepts any scheme.
	// NewSocket panics on an entry without a host.
	AllowedOrigins []string

	// Limits bound what one connection may send, hold and cost.
	Limits Limits

	// Compression turns on permessage-deflate for the WebSocket
	// connections; the zero value leaves it off. Long-poll is not
	// affected.
	Compression Compression

	// Observer, if set, is told of every join and client message of the
	// socket's channels, and of each channel's end, with durations and
	// errors, for metrics and traces. Nil observes nothing, at no cost.
	Observer Observer
}

// Limits bound what one connection may send, hold and cost. The zero
// value of each field means the default its comment gives: a bound for
// every field but EventsPerSecond, whose zero means no limit.
type Limits struct {
	// MaxChannels is the most channels one connection may join at once
	// (default 100); one more gets {"reason":"too many channels joined"}.
	MaxChannels int
	// ReadLimit is the largest frame accepted from the client, in bytes
	// (default 1 MiB). A larger frame closes the connection (code 1009).
	ReadLimit int64
	// IdleTimeout closes a connection from which nothing (not even a
	// heartbeat) arrived for this long (default 60 s).
	IdleTimeout time.Duration
	// WriteTimeout bounds each write to the client (default 10 s).
	WriteTimeout time.Duration
	// OutboundBytes bounds the memory of the frames waiting to be written
	// to one connection (default 4 MiB): a frame counts its length plus
	// 64 bytes for its place in the queue. A frame that would take the
	// queue over the bound closes the connection at once (code 1008,
	// "client too slow") and drops what it held, however young the
	// backlog: memory comes first. A frame larger than the bound is sent
	// only when nothing else is waiting. A broadcast frame is encoded
	// once and shared by every connection it goes to, but it counts in
	// full against each queue, because each queue alone keeps it alive.
	//
	// The default holds a large page's first render and a burst behind
	// it, four times the largest frame a client may send ([Limits.ReadLimit]),
	// and a healthy client on a 10 Mbit/s link drains it in about 3 s,
	// well within SlowClientTimeout.
	OutboundBytes int
	// SlowClientTimeout is how long a connection's outbound queue may stay
	// non-empty, the client never catching up, before the connection is
	// closed as too slow (code 1008); the default is WriteTimeout. A burst
	// of any number of frames that the client reads within it is fine.
	SlowClientTimeout time.Duration
	// ChannelQueue is how many client events may wait for one channel's
	// goroutine (default 64); beyond it the connection's reader waits,
	// which slows the client down through TCP.
	ChannelQueue int
	// InboundBytes bounds the memory of the client frames that wait for
	// the channels of one connection, all channels together (default
	// 4 MiB, counting each frame's length on the wire). Beyond it the
	// reader waits, as for ChannelQueue; a frame is always let through
	// when nothing waits, so the bound can be passed by one frame of up
	// to ReadLimit.
	InboundBytes int
	// EventsPerSecond limits the frames one connection may send, heartbeats
	// included, to this many per second on average, with bursts of twice as
	// many; a client over the limit is disconnected with code 1008. Zero
	// or a negative value means no limit, as in Phoenix.
	EventsPerSecond int
	// MailboxSize is the capacity of each channel's PubSub mailbox
	// (default [pubsub.DefaultMailboxSize]). An overflow is reported to a
	// [Lagger]; it crashes any other channel, and the client rejoins.
	MailboxSize int

	// MaxConnections bounds the connections the Socket serves at once,
	// WebSockets and long-poll sessions together (default
	// [DefaultMaxConnections]); a connect past it is refused with HTTP
	// 503 before the upgrade or before the long-poll session opens, and
	// the phoenix client retries with backoff. Each connection may hold
	// OutboundBytes and InboundBytes for a while, so this bounds their
	// sum too. Negative means no limit.
	MaxConnections int
	// MaxConnectionsPerAddr bounds the connections from one client
	// address, the host of [http.Request.RemoteAddr]; a connect past it
	// is refused with HTTP 429 in the same way. Zero or negative, the
	// default, means no limit: behind a reverse proxy every client has
	// the proxy's address, and a default cap would refuse real users.
	// Set it when clients connect directly, or when a middleware in
	// front of the Socket sets r.RemoteAddr from the header of a proxy
	// you trust; or have the proxy cap connections per client.
	MaxConnectionsPerAddr int
}

// ConnectInfo is what a client presented when it connected.
type ConnectInfo struct {
	// Params are the query parameters of the connect URL, without vsn.
	Params url.Values
	// AuthToken is the phoenix client's authToken, sent in the
	// Sec-WebSocket-Protocol header; "" if none.
	AuthToken string
	// Origin is the Origin header.
	Origin string
	// Header is the request's header.
	Header http.Header
	// RemoteAddr is the client's network address.
	RemoteAddr string
	// Cookies are the request's cookies.
	Cookies []*http.Cookie
}

// A Socket serves the Phoenix Channels V2 protocol over WebSocket: it
// accepts connections at "<mount path>/websocket?vsn=2.0.0", runs the
// [SocketOptions.Connect] hook, and routes each join to a [Channel] by topic.
// S is the type of the state Connect attaches to each connection, such as
// the signed-in user.
//
// Register channels with [Socket.Channel] before serving. A Socket is an
// [http.Handler] safe for concurrent use. Whoever creates it must call
// [Socket.Shutdown], which closes every connection and waits for their
// goroutines: [http.Server.Shutdown] does not wait for upgraded
// connections.
type Socket[S any] struct {
	opts     SocketOptions[S]
	allowed  []*url.URL // opts.AllowedOrigins, parsed
	core     *socketCore
	upgrader websocket.Upgrader
}

// socketCore is the part of a Socket that does not depend on its state
// type, shared with its connections and channels.
type socketCore struct {
	ps      *pubsub.PubSub
	ownPS   bool
	logger  *slog.Logger
	limits  limits
	routesM sync.RWMutex // guards routes
	routes  []route

	observer Observer    // nil: nobody observes
	compress compression // SocketOptions.Compression resolved

	mu      sync.Mutex // guards clients, polls, closed, conns, perAddr
	clients map[*client]struct{}
	conns   int                // connections admitted and not yet ended
	perAddr map[string]int     // conns by client address
	polls   map[string]*client // long-poll sessions by ID
	pollKey []byte             // signs the sessions' tokens
	closed  bool

	outBytes atomic.Int64   // what waits in every connection's outbound queue (client.outBytes)
	wg       sync.WaitGroup // one per connection, WebSocket or long-poll

	shutdownOnce sync.Once
	shutdownErr  error
}

type limits struct {
	maxChannels   int
	readLimit     int64
	idleTimeout   time.Duration
	writeTimeout  time.Duration
	outboundBytes int
	slowTimeout   time.Duration
	channelQueue  int
	inboundBytes  int
	mailboxSize   int
	eventRate     int           // 0: unlimited
	pollWindow    time.Duration // how long a long-poll GET waits for frames
	maxConns      int           // 0: unlimited
	maxConnsAddr  int           // 0: unlimited
}

// route maps a topic pattern to a channel constructor.
type route struct {
	pattern string
	newCh   func(cc *Conn, state any) Channel
}

// match reports whether topic matches pattern: exactly, or by prefix when
// the pattern ends in "*", as in Phoenix ("room:*").
func match(pattern, topic string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "*"); ok {
		return strings.HasPrefix(topic, prefix)
	}
	return pattern == topic
}

// NewSocket returns a Socket configured by opts. It panics on a
// malformed AllowedOrigins entry.
func NewSocket[S any](opts SocketOptions[S]) *Socket[S] {
	allowed := parseAllowedOrigins(opts.AllowedOrigins)
	lim := opts.Limits
	l := limits{
		maxChannels:   orDefault(lim.MaxChannels, DefaultMaxChannels),
		readLimit:     orDefault(lim.ReadLimit, DefaultReadLimit),
		idleTimeout:   orDefault(lim.IdleTimeout, DefaultIdleTimeout),
		writeTimeout:  orDefault(lim.WriteTimeout, DefaultWriteTimeout),
		outboundBytes: orDefault(lim.OutboundBytes, DefaultOutboundBytes),
		channelQueue:  orDefault(lim.ChannelQueue, DefaultChannelQueue),
		inboundBytes:  orDefault(lim.InboundBytes, DefaultInboundBytes),
		mailboxSize:   orDefault(lim.MailboxSize, pubsub.DefaultMailboxSize),
		eventRate:     max(lim.EventsPerSecond, 0),
		maxConnsAddr:  max(lim.MaxConnectionsPerAddr, 0),
	}
	switch {
	case lim.MaxConnections > 0:
		l.maxConns = lim.MaxConnections
	case lim.MaxConnections == 0:
		l.maxConns = DefaultMaxConnections
	}
	l.slowTimeout = orDefault(lim.SlowClientTimeout, l.writeTimeout)
	l.pollWindow = longPollWindow
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	logger = logger.With("layer", "channel")
	core := &socketCore{ps: opts.PubSub, logger: logger, limits: l, clients: map[*client]struct{}{}, perAddr: map[string]int{}, polls: map[string]*client{}, pollKey: make([]byte, 32), observer: opts.Observer, compress: opts.Compression.resolve()}
	rand.Read(core.pollKey)
	if core.ps == nil {
		ps, err := pubsub.New(pubsub.Options{Logger: logger})
		if err != nil {
			panic("channel: NewSocket: " + err.Error()) // an in-process PubSub cannot fail
		}
		core.ps, core.ownPS = ps, true
	}
	if err := pubsub.Register[*Broadcast](core.ps, "channel.Broadcast"); err != nil {
		panic("channel: NewSocket: " + err.Error())
	}
	s := &Socket[S]{opts: opts, allowed: allowed, core: core}
	s.upgrader = websocket.Upgrader{
		Subprotocols: []string{"phoenix"},
		CheckOrigin:  func(*http.Request) bool { return true }, // checked before the upgrade
		// Client frames are small (events, heartbeats): a 1 KB read buffer
		// serves them, and larger ones are read in several calls. The write
		// buffer is lent by the socket's pool for each write only, so an
		// idle connection holds none.
		ReadBufferSize:  readBufferSize,
		WriteBufferPool: &sync.Pool{},
		// Compressors are pooled by gorilla per level and held only while
		// a frame is deflated or inflated.
		EnableCompression: core.compress.enabled,
	}
	return s
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Channel routes joins of the topics matching pattern to channels made by
// newChannel, which receives the channel's handle and the connection's
// state. A pattern is a topic, or a prefix ending in "*" ("room:*"). The
// first matching route wins. Channel panics on an empty pattern or a nil
// constructor.
func (s *Socket[S]) Channel(pattern string, newChannel func(cc *Conn, state S) Channel) {
	if pattern == "" || newChannel == nil {
		panic("channel: Socket.Channel needs a pattern and a constructor")
	}
	s.core.routesM.Lock()
	defer s.core.routesM.Unlock()
	s.core.routes = append(s.core.routes, route{
		pattern: pattern,
		newCh:   func(cc *Conn, state any) Channel { return newChannel(cc, state.(S)) },
	})
}

// PubSub returns the socket's PubSub.
func (s *Socket[S]) PubSub() *pubsub.PubSub { return s.core.ps }

// Broadcast sends event with payload to every client that joined topic,
// on every node.
func (s *Socket[S]) Broadcast(ctx context.Context, topic, event string, payload any) error {
	b, err := NewBroadcast(topic, event, payload)
	if err != nil {
		return err
	}
	return s.core.ps.Broadcast(ctx, topic, b)
}

// OutboundBytes returns what waits to be written to the Socket's
// connections now, all together, counted as for
// [Limits.OutboundBytes]: a frame stops counting once it has been
// written, or once its connection has ended. A server that caps its
// memory can add it to what it counts, as live.Options.MaxViewBytes does.
func (s *Socket[S]) OutboundBytes() int64 { return s.core.outBytes.Load() }

// Disconnect closes every connection whose socket ID is id, on every node
// (code 1000; the phoenix client reconnects, and its Connect hook decides
// again). It is Phoenix's broadcast of "disconnect" to the socket ID.
func (s *Socket[S]) Disconnect(ctx context.Context, id string) error {
	return s.Broadcast(ctx, id, eventDisconnect, nil)
}

const eventDisconnect = "disconnect"

// ServeHTTP upgrades "<mount path>/websocket" requests and serves the
// connection until it closes, and serves the long-poll transport at
// "<mount path>/longpoll" for clients that cannot open a WebSocket.
func (s *Socket[S]) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/longpoll") {
		s.serveLongPoll(w, r)
		return
	}
	if !strings.HasSuffix(r.URL.Path, "/websocket") {
		http.NotFound(w, r)
		return
	}
	if !websocket.IsWebSocketUpgrade(r) {
		http.Error(w, "channel: expected a WebSocket upgrade", http.StatusBadRequest)
		return
	}
	q := r.URL.Query()
	if vsn := q.Get("vsn"); !strings.HasPrefix(vsn, "2.") {
		http.Error(w, "channel: unsupported protocol version (want vsn=2.0.0)", http.StatusBadRequest)
		return
	}
	q.Del("vsn")
	if !s.checkOrigin(r) {
		s.core.logger.Debug("socket refused: origin not allowed", "origin", r.Header.Get("Origin"))
		http.Error(w, "channel: origin not allowed", http.StatusForbidden)
		return
	}
	// Count the connection before Connect runs, so that a flood of
	// connects past the limits costs no Connect, and until it ends.
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
		AuthToken:  authToken(r),
		Origin:     r.Header.Get("Origin"),
		Header:     r.Header,
		RemoteAddr: r.RemoteAddr,
		Cookies:    r.Cookies(),
	}
	state, id, ok := s.connect(r, info)
	if !ok {
		http.Error(w, "channel: connection refused", http.StatusForbidden)
		return
	}

	// Register before upgrading, so that Shutdown either refuses this
	// request or waits for it.
	if !s.core.reserve() {
		http.Error(w, "channel: shutting down", http.StatusServiceUnavailable)
		return
	}
	// The upgrader echoes "phoenix" when the client offered it.
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		s.core.wg.Done()
		return // the upgrader has answered the request
	}
	ws.SetReadLimit(s.core.limits.readLimit)
	t := &wsTransport{ws: ws, readLimit: s.core.limits.readLimit, deflateFrom: -1}
	if s.core.compress.enabled && offersDeflate(r) {
		// The level was checked by NewSocket.
		_ = ws.SetCompressionLevel(s.core.compress.level)
		t.deflateFrom = s.core.compress.minSize
	}
	// The connection is served on a goroutine of its own, which Shutdown
	// waits for, and this handler returns: net/http then drops its state
	// for the hijacked connection — its 4 KB read and write buffers and
	// the request goroutine's grown stack — which it would otherwise keep
	// for the connection's whole life.
	served = true // the connection's goroutine leaves when it ends
	s.core.serve(r.Context(), newClient(s.core, t, info, id, state), addr, nil, nil)
}

// connect runs the Connect hook and names the connection; false if
// Connect refused it.
func (s *Socket[S]) connect(r *http.Request, info *ConnectInfo) (state S, id string, ok bool) {
	if s.opts.Connect != nil {
		var err error
		state, err = s.opts.Connect(r.Context(), info)
		if err != nil {
			s.core.logger.Debug("socket refused by Connect", "remote", r.RemoteAddr, "err", err)
			return state, "", false
		}
	}
	if s.opts.ID != nil {
		id = s.opts.ID(state)
	}
	return state, id, true
}

// reserve counts a connection about to start in wg, so that Shutdown
// either refuses it or waits for it; false while shutting down.
func (sc *socketCore) reserve() bool {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.closed {
		return false
	}
	sc.wg.Add(1)
	return true
}

// serve registers c, reserved with reserve and admitted from addr, and
// serves it on a goroutine of its own until it closes; added and
// removed, when not nil, run as it is registered and unregistered. A
// client's context keeps the values of the request that opened it, not
// its end.
func (sc *socketCore) serve(ctx context.Context, c *client, addr string, added, removed func()) {
	sc.mu.Lock()
	ok := !sc.closed
	if ok {
		sc.clients[c] = struct{}{}
		if added != nil {
			added()
		}
	}
	sc.mu.Unlock()
	if !ok {
		c.close(websocket.CloseGoingAway, "server shutting down", ErrClosed)
	}
	go func() {
		defer sc.wg.Done()
		c.serve(context.WithoutCancel(ctx))
		sc.mu.Lock()
		delete(sc.clients, c)
		if removed != nil {
			removed()
		}
		sc.leaveLocked(addr)
		sc.mu.Unlock()
	}()
}

// clientAddr is the host of a RemoteAddr, the key of
// Limits.MaxConnectionsPerAddr.
func clientAddr(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}

// admit counts a connection from r's client address, returned, within
// Limits.MaxConnections and Limits.MaxConnectionsPerAddr, until leave;
// past them it answers r with HTTP 503 or 429 and returns false.
func (sc *socketCore) admit(w http.ResponseWriter, r *http.Request) (addr string, ok bool) {
	addr = clientAddr(r.RemoteAddr)
	sc.mu.Lock()
	status, refusal := 0, ""
	switch {
	case sc.limits.maxConns > 0 && sc.conns >= sc.limits.maxConns:
		status, refusal = http.StatusServiceUnavailable, "too many connections"
	case sc.limits.maxConnsAddr > 0 && sc.perAddr[addr] >= sc.limits.maxConnsAddr:
		status, refusal = http.StatusTooManyRequests, "too many connections from this address"
	default:
		sc.conns++
		sc.perAddr[addr]++
	}
	sc.mu.Unlock()
	if status != 0 {
		sc.logger.Debug("connection refused: "+refusal, "remote", r.RemoteAddr)
		http.Error(w, "channel: "+refusal, status)
		return addr, false
	}
	return addr, true
}

// leave uncounts a connection admit counted.
func (sc *socketCore) leave(addr string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.leaveLocked(addr)
}

// leaveLocked is leave with sc.mu held.
func (sc *socketCore) leaveLocked(addr string) {
	sc.conns--
	if n := sc.perAddr[addr] - 1; n > 0 {
		sc.perAddr[addr] = n
	} else {
		delete(sc.perAddr, addr)
	}
}

// authToken extracts the phoenix client's authToken from the offered
// subprotocols.
func authToken(r *http.Request) string {
	for _, p := range websocket.Subprotocols(r) {
		if enc, ok := strings.CutPrefix(p, authTokenPrefix); ok {
			tok, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "="))
			if err != nil {
				return ""
			}
			return string(tok)
		}
	}
	return ""
}

// checkOrigin applies SocketOptions.CheckOrigin or the default rule.
func (s *Socket[S]) checkOrigin(r *http.Request) bool {
	if s.opts.CheckOrigin != nil {
		return s.opts.CheckOrigin(r)
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) && strings.EqualFold(u.Scheme, requestScheme(r)) {
		return true
	}
	for _, allowed := range s.allowed {
		if originMatches(allowed, u) {
			return true
		}
	}
	return false
}

// requestScheme is the scheme of the page that may open a socket on r's
// host by default: "https" when r came over TLS, "http" otherwise.
// X-Forwarded-Proto is not trusted, since any client can send it: behind
// a proxy that terminates TLS, the application lists its origins in
// AllowedOrigins or decides in CheckOrigin.
func requestScheme(r *http.Request) string {
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

// parseAllowedOrigins parses AllowedOrigins entries, panicking on one
// without a host: such an entry would never match, silently.
func parseAllowedOrigins(entries []string) []*url.URL {
	allowed := make([]*url.URL, 0, len(entries))
	for _, e := range entries {
		a, err := url.Parse(e)
		if err != nil || a.Host == "" {
			panic(fmt.Sprintf("channel: AllowedOrigins entry %q is not an origin such as \"https://example.com\" or \"//example.com\"", e))
		}
		allowed = append(allowed, a)
	}
	return allowed
}

// originMatches reports whether origin u matches an AllowedOrigins entry:
// its scheme, unless the entry has none ("//example.com"), and its host,
// or any subdomain of it for "*." entries.
func originMatches(a, u *url.URL) bool {
	if a.Scheme != "" && !strings.EqualFold(a.Scheme, u.Scheme) {
		return false
	}
	if suffix, ok := strings.CutPrefix(a.Host, "*."); ok {
		return strings.HasSuffix(strings.ToLower(u.Host), "."+strings.ToLower(suffix))
	}
	return strings.EqualFold(a.Host, u.Host)
}

// route finds the constructor for topic.
func (sc *socketCore) route(topic string) (func(cc *Conn, state any) Channel, bool) {
	sc.routesM.RLock()
	defer sc.routesM.RUnlock()
	for _, r := range sc.routes {
		if match(r.pattern, topic) {
			return r.newCh, true
		}
	}
	return nil, false
}

// Shutdown stops accepting connections, closes every connection with code
// 1001 (going away) and waits until all their goroutines, channels
// included, have returned, or ctx is done. It is idempotent; later calls
// wait again and return the first result.
func (s *Socket[S]) Shutdown(ctx context.Context) error {
	sc := s.core
	sc.mu.Lock()
	sc.closed = true
	clients := make([]*client, 0, len(sc.clients))
	for c := range sc.clients {
		clients = append(clients, c)
	}
	sc.mu.Unlock()
	for _, c := range clients {
		c.close(websocket.CloseGoingAway, "server shutting down", ErrClosed)
	}

	done := make(chan struct{})
	go func() {
		sc.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("channel: shutdown: %w", ctx.Err())
	}
	sc.shutdownOnce.Do(func() {
		if sc.ownPS {
			sc.shutdownErr = sc.ps.Close()
		}
	})
	return sc.shutdownErr
}
