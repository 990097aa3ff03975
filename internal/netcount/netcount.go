// Package netcount counts the bytes that cross a network connection, as
// TCP carries them: for a WebSocket, frame headers included and, with
// permessage-deflate, the deflated payloads, which is what a client
// receives and what the figures of compression compare.
package netcount

import (
	"context"
	"net"
	"sync/atomic"
)

// Counter adds up the bytes of the connections it dialled. Its methods
// are safe for concurrent use; the zero value is ready.
type Counter struct {
	read, written atomic.Int64
}

// Read returns the bytes read from the counted connections so far: what
// the other end sent.
func (c *Counter) Read() int64 { return c.read.Load() }

// Written returns the bytes written to the counted connections so far.
func (c *Counter) Written() int64 { return c.written.Load() }

// DialContext dials as a [net.Dialer] does and counts the connection's
// bytes. It fits websocket.Dialer's NetDialContext.
func (c *Counter) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	return &conn{Conn: nc, c: c}, nil
}

// conn is a net.Conn whose reads and writes count in c.
type conn struct {
	net.Conn
	c *Counter
}

func (k *conn) Read(p []byte) (int, error) {
	n, err := k.Conn.Read(p)
	k.c.read.Add(int64(n))
	return n, err
}

func (k *conn) Write(p []byte) (int, error) {
	n, err := k.Conn.Write(p)
	k.c.written.Add(int64(n))
	return n, err
}
