package main

import (
	"net/http"
	"time"
)

// httpLimits bounds what one HTTP connection may hold on the server. The
// zero value means the defaults below; tests shorten them.
//
// WebSocket connections are hijacked: once upgraded, none of these apply
// to them (the sockets have their own idle timeout and frame limits).
type httpLimits struct {
	// readHeader bounds reading a request's headers: a client that sends
	// them a byte at a time (slowloris) is cut off.
	readHeader time.Duration
	// read bounds reading a whole request, body included: a client that
	// trickles a form post is cut off.
	read time.Duration
	// write bounds the time from the end of the headers to the end of the
	// response: a page render, or a client that reads it slowly.
	write time.Duration
	// idle closes a keep-alive connection that carries no request for
	// this long.
	idle time.Duration
	// maxHeaderBytes bounds a request's headers, cookies included.
	maxHeaderBytes int
}

// The demo's defaults. Its requests are small pages and form posts: a
// legitimate client sends them within a second, so these leave a wide
// margin for slow networks while freeing what an idle or stalled client
// holds in seconds rather than never.
const (
	defaultReadHeaderTimeout = 5 * time.Second
	defaultReadTimeout       = 15 * time.Second
	defaultWriteTimeout      = 30 * time.Second
	defaultIdleTimeout       = 60 * time.Second
	defaultMaxHeaderBytes    = 64 << 10 // the cookies of every app on localhost, with room to spare
)

// withDefaults fills the zero fields of l.
func (l httpLimits) withDefaults() httpLimits {
	if l.readHeader <= 0 {
		l.readHeader = defaultReadHeaderTimeout
	}
	if l.read <= 0 {
		l.read = defaultReadTimeout
	}
	if l.write <= 0 {
		l.write = defaultWriteTimeout
	}
	if l.idle <= 0 {
		l.idle = defaultIdleTimeout
	}
	if l.maxHeaderBytes <= 0 {
		l.maxHeaderBytes = defaultMaxHeaderBytes
	}
	return l
}

// newHTTPServer returns the server that serves h within limits.
func newHTTPServer(h http.Handler, limits httpLimits) *http.Server {
	l := limits.withDefaults()
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.readHeader,
		ReadTimeout:       l.read,
		WriteTimeout:      l.write,
		IdleTimeout:       l.idle,
		MaxHeaderBytes:    l.maxHeaderBytes,
	}
}
