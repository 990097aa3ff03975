package livetest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
)

// conn is a View's connection to the live socket: a WebSocket, or a
// long-poll session (lpConn) after [Client.LongPoll].
type conn interface {
	WriteMessage(typ int, data []byte) error
	ReadMessage() (typ int, data []byte, err error)
	Close() error
}

// LongPoll makes the views this client connects from now on use the
// long-poll transport ("/live/longpoll"), as the browser client does when
// it cannot open a WebSocket, instead of a WebSocket. Everything else a
// View does is the same.
func (c *Client) LongPoll() { c.longPoll = true }

// lpConn is a long-poll session, driven as the phoenix client's LongPoll
// drives it: GETs poll for frames, each frame the test sends is POSTed
// on its own, binary frames in base64.
type lpConn struct {
	http   *http.Client
	url    string // the endpoint, with the connect params
	origin string
	token  string
	ctx    context.Context
	cancel context.CancelFunc

	mu     sync.Mutex // guards queued
	queued []string   // frames polled, not yet read
}

// lpAnswer is the JSON body of a long-poll answer.
type lpAnswer struct {
	Status   int      `json:"status"`
	Token    *string  `json:"token"`
	Messages []string `json:"messages"`
	Code     int      `json:"code"`
	Reason   string   `json:"reason"`
}

// dialLongPoll opens a long-poll session at endpoint, which carries the
// connect params.
func dialLongPoll(jar http.CookieJar, endpoint, origin string) (*lpConn, error) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &lpConn{http: &http.Client{Jar: jar}, url: endpoint, origin: origin, ctx: ctx, cancel: cancel}
	a, err := c.do(http.MethodGet, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	if a.Status != http.StatusGone || a.Token == nil {
		cancel()
		return nil, fmt.Errorf("long-poll session refused: status %d", a.Status)
	}
	c.token = *a.Token
	return c, nil
}

// do sends a request of the session and decodes the answer.
func (c *lpConn) do(method string, body []byte) (lpAnswer, error) {
	u := c.url
	if c.token != "" {
		u += "&token=" + url.QueryEscape(c.token)
	}
	req, err := http.NewRequestWithContext(c.ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return lpAnswer{}, err
	}
	req.Header.Set("Origin", c.origin)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-ndjson")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return lpAnswer{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return lpAnswer{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return lpAnswer{}, fmt.Errorf("long-poll %s: HTTP %d: %s", method, resp.StatusCode, data)
	}
	var a lpAnswer
	if err := json.Unmarshal(data, &a); err != nil {
		return lpAnswer{}, fmt.Errorf("long-poll %s: %w: %s", method, err, data)
	}
	return a, nil
}

// WriteMessage POSTs one frame. A close frame is not sent: a long-poll
// session ends when its client stops polling.
func (c *lpConn) WriteMessage(typ int, data []byte) error {
	switch typ {
	case websocket.CloseMessage:
		return nil
	case websocket.BinaryMessage:
		data = base64.StdEncoding.AppendEncode(nil, data)
	}
	a, err := c.do(http.MethodPost, data)
	if err != nil {
		return err
	}
	if a.Status != http.StatusOK {
		return fmt.Errorf("long-poll POST: status %d", a.Status)
	}
	return nil
}

// ReadMessage returns the next frame, polling until one arrives. A
// session the server closed fails with a *websocket.CloseError carrying
// the code and reason the server gave.
func (c *lpConn) ReadMessage() (int, []byte, error) {
	for {
		c.mu.Lock()
		if len(c.queued) > 0 {
			m := c.queued[0]
			c.queued = c.queued[1:]
			c.mu.Unlock()
			if strings.HasPrefix(m, "[") {
				return websocket.TextMessage, []byte(m), nil
			}
			data, err := base64.StdEncoding.DecodeString(m)
			return websocket.BinaryMessage, data, err
		}
		c.mu.Unlock()
		a, err := c.do(http.MethodGet, nil)
		if err != nil {
			return 0, nil, err
		}
		switch a.Status {
		case http.StatusOK:
			c.mu.Lock()
			c.queued = append(c.queued, a.Messages...)
			c.mu.Unlock()
		case http.StatusNoContent:
		case http.StatusGone:
			return 0, nil, &websocket.CloseError{Code: a.Code, Text: a.Reason}
		default:
			return 0, nil, fmt.Errorf("long-poll GET: status %d", a.Status)
		}
	}
}

// Close stops polling; the server ends the session once it sees no
// request for its idle timeout.
func (c *lpConn) Close() error {
	c.cancel()
	return nil
}
