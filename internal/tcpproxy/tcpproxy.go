// Package tcpproxy is a TCP forwarder for tests that need to cut the
// connection to a shared server, and restore it, without touching the server.
package tcpproxy

import (
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
)

// A Proxy forwards every connection accepted on its address to a target.
// Its methods are safe for concurrent use; Close waits for its goroutines.
type Proxy struct {
	target string
	addr   string

	mu     sync.Mutex // guards ln, conns, closed
	ln     net.Listener
	conns  map[net.Conn]struct{}
	closed bool

	epoch atomic.Int64 // connections of an older epoch are blackholed

	wg sync.WaitGroup
}

// Start listens on a free loopback port and forwards to target.
func Start(target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: make(map[net.Conn]struct{})}
	p.serve(ln)
	return p, nil
}

// Addr returns the address clients should dial.
func (p *Proxy) Addr() string { return p.addr }

// Cut stops accepting and closes every open connection, as a network outage
// would, until Restore.
func (p *Proxy) Cut() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

// Blackhole makes every connection open now go silent: what either side
// sends is read and dropped, and nothing is closed — a half-open link, as a
// dead NAT entry or a vanished host leaves. New connections are forwarded
// as usual.
func (p *Proxy) Blackhole() { p.epoch.Add(1) }

// Restore listens again on the same address.
func (p *Proxy) Restore() error {
	p.mu.Lock()
	closed, listening := p.closed, p.ln != nil
	p.mu.Unlock()
	if closed {
		return errors.New("tcpproxy: closed")
	}
	if listening {
		return nil
	}
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.serve(ln)
	return nil
}

// Close cuts every connection and waits for the forwarding goroutines.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.Cut()
	p.wg.Wait()
	return nil
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		ln.Close()
		return
	}
	p.ln = ln
	p.mu.Unlock()
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.forward(c)
		}
	})
}

func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || p.ln == nil {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *Proxy) forward(client net.Conn) {
	if !p.track(client) {
		return
	}
	p.wg.Go(func() {
		defer p.untrack(client)
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			return
		}
		if !p.track(server) {
			return
		}
		defer p.untrack(server)
		epoch := p.epoch.Load()
		var wg sync.WaitGroup
		wg.Go(func() {
			p.copy(server, client, epoch)
			server.Close()
		})
		p.copy(client, server, epoch)
		client.Close()
		wg.Wait()
	})
}

// copy forwards src to dst until either fails, dropping what arrives once
// the proxy's epoch has moved past epoch.
func (p *Proxy) copy(dst io.Writer, src io.Reader, epoch int64) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 && p.epoch.Load() == epoch {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
