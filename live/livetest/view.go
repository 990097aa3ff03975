package livetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// Timeout bounds how long a View waits for the server to answer.
const Timeout = 5 * time.Second

// A View is a connected live view, driven over a real WebSocket with the
// frames the browser client sends, through the real runtime and the real
// diff: every patch is applied to the tree a View keeps, exactly as the
// browser applies it.
type View struct {
	c       *Client
	t       testing.TB
	ws      conn          // a *websocket.Conn, or a long-poll session
	frames  chan frame    // decoded by readLoop; closed when it returns
	done    chan struct{} // closed by Close, so that readLoop stops sending
	readErr error         // why readLoop returned; read after frames is closed
	wg      sync.WaitGroup

	id, session, csrf string
	topic, joinRef    string
	ref               int
	url               string

	tree       *render.Node
	title      string
	events     []PushedEvent
	execs      []json.RawMessage // sent with live.Socket.Exec; see commands.go
	redirect   string
	flash      string // the signed flash the redirect carried
	navigated  string
	lastRender int          // bytes of the last frame that carried a render
	received   atomic.Int64 // bytes of every frame read
	closed     bool
	closeOnce  sync.Once
	lastFlashT string

	// Nested views (nested.go): the views joined on this connection, and
	// the sessions of the views the page's layout nests, by id.
	peers  *peers
	layout map[string]string
	shared bool  // a nested view, on its parent's connection
	parent *View // the view a nested view belongs to

	// Resuming (resume.go).
	version  uint64             // of the last render applied
	seq      uint64             // of the last event SendEvent numbered
	unacked  map[string]unacked // by ref: events SendEvent sent, not yet answered
	resent   []json.RawMessage  // hook replies to the events Resume sent again
	dropped  bool               // Drop cut the connection
	resumed  bool               // the last join resumed the view
	resuming bool               // the join under way asks to resume
}

// A PushedEvent is an event the view pushed to client hooks
// ([live.Socket.PushEvent]).
type PushedEvent struct {
	Name    string
	Payload json.RawMessage
}

// connect opens the live socket as the browser does: with the page's CSRF
// token and cookies, from the page's origin.
func (v *View) connect() error {
	u, _ := url.Parse(v.c.ts.URL)
	wsURL := "ws://" + u.Host + "/live/websocket?vsn=2.0.0&_csrf_token=" + url.QueryEscape(v.csrf)
	h := http.Header{}
	h.Set("Origin", v.c.origin)
	var cookies []string
	for _, ck := range v.c.jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	if len(cookies) > 0 {
		h.Set("Cookie", strings.Join(cookies, "; "))
	}
	if v.c.longPoll {
		lp, err := dialLongPoll(v.c.jar, "http://"+u.Host+"/live/longpoll?vsn=2.0.0&_csrf_token="+url.QueryEscape(v.csrf), v.c.origin)
		if err != nil {
			return err
		}
		v.ws = lp
	} else {
		// Offer permessage-deflate, as browsers do: the server decides.
		d := *websocket.DefaultDialer
		d.EnableCompression = true
		ws, resp, err := d.Dial(wsURL, h)
		if err != nil {
			if resp != nil {
				return fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
			}
			return err
		}
		v.ws = ws
	}
	v.frames = make(chan frame, 256)
	v.done = make(chan struct{})
	v.wg.Go(v.readLoop)
	return nil
}

// readLoop decodes frames until the connection closes or the view is
// closed. A frame that does not decode ends it: the test then fails with
// the frame and what is wrong with it. A view that pushes faster than the
// test reads fills frames, so the send also waits on done: otherwise
// Close, which closes the socket and waits for readLoop, would wait
// forever on a send nobody receives.
func (v *View) readLoop() {
	defer close(v.frames)
	for {
		_, data, err := v.ws.ReadMessage()
		if err != nil {
			v.readErr = err
			return
		}
		v.received.Add(int64(len(data)))
		f, err := wire.DecodeFrame(data)
		if err != nil {
			v.readErr = fmt.Errorf("livetest: malformed frame from server: %w: %s", err, data)
			return
		}
		select {
		case v.frames <- frame{f, len(data)}:
		case <-v.done:
			v.readErr = errViewClosed
			return
		}
	}
}

// errViewClosed is why the reader stopped when the test closed the view.
var errViewClosed = errors.New("livetest: the view was closed")

// Close leaves the view, closes the connection and waits for the goroutine
// reading it; frames the test has not handled yet are dropped. It is
// idempotent; [Client.Live] registers it with t.Cleanup.
func (v *View) Close() {
	if v.shared {
		v.leaveShared()
		return
	}
	v.closeOnce.Do(func() {
		if v.ws != nil && !v.dropped {
			close(v.done)
			v.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			v.ws.Close()
			v.wg.Wait()
		}
	})
}

// join joins the view's topic with p, whose session and URL are the
// view's unless set; it returns the refusal's response if the server
// refused.
func (v *View) join(p wire.JoinPayload) (json.RawMessage, error) {
	v.topic = wire.TopicPrefix + v.id
	ref := v.nextRef()
	v.joinRef = ref
	if p.Session == "" {
		p.Session = v.session
	}
	if p.URL == "" {
		p.URL = v.url
	}
	if err := v.send(ref, ref, wire.ClientJoin, p.AppendJSON(nil)); err != nil {
		return nil, err
	}
	status, resp, err := v.await(ref)
	if err != nil {
		return nil, err
	}
	if status != wire.StatusOK {
		return resp, nil
	}
	return nil, v.joined(resp)
}

// Rejoin joins the view again with its page's session, as the browser does
// after a crash or a reconnect; the view is mounted anew.
func (v *View) Rejoin() {
	v.t.Helper()
	v.RejoinWith(nil)
}

// RejoinWith rejoins like [View.Rejoin] with extra join payload fields,
// such as the "form" state the browser recovers after a reconnect. The
// fields are those of the join payload (docs/PROTOCOL.md); the test fails
// if one does not fit it.
func (v *View) RejoinWith(extra map[string]any) {
	v.t.Helper()
	var p wire.JoinPayload
	if len(extra) > 0 {
		// The payload the browser would send, checked as the server checks it.
		b, err := json.Marshal(extra)
		if err == nil {
			p, err = wire.DecodeJoin(b)
		}
		if err != nil {
			v.t.Fatalf("livetest: rejoin with %v: %v", extra, err)
		}
	}
	reason, err := v.join(p)
	if err != nil {
		v.t.Fatalf("livetest: rejoin: %v", err)
	}
	if reason != nil {
		v.t.Fatalf("livetest: rejoin refused: %s", reason)
	}
}

// follow carries out a navigation the last push caused: it joins the new
// view over the same connection, as the browser does.
func (v *View) follow() {
	v.t.Helper()
	to := v.navigated
	if to == "" {
		return
	}
	if v.parent != nil {
		// A nested view's navigation is its page's, as in the browser.
		v.navigated = ""
		v.parent.navigated, v.parent.lastFlashT = to, v.lastFlashT
		v.parent.follow()
		return
	}
	v.navigated = ""
	if err := v.send(v.joinRef, v.nextRef(), wire.ClientLeave, nil); err != nil {
		v.t.Fatalf("livetest: leave for navigation: %v", err)
	}
	u, _ := url.Parse(v.url)
	next, err := u.Parse(to)
	if err != nil {
		v.t.Fatalf("livetest: navigate to %q: %v", to, err)
	}
	v.url = next.String()
	reason, err := v.join(wire.JoinPayload{Flash: v.lastFlashT})
	if err != nil {
		v.t.Fatalf("livetest: navigate to %s: %v", to, err)
	}
	if reason != nil {
		r, err := wire.DecodeRefusal(reason)
		if err != nil {
			v.t.Fatalf("livetest: navigate to %s: %v", to, err)
		}
		if r.Reason == wire.ReasonNavigate {
			// The browser loads the page in full (another group, or no
			// live view there): the view ends with a redirect.
			v.redirect = next.RequestURI()
			return
		}
		v.t.Fatalf("livetest: navigate to %s refused: %s", to, reason)
	}
}
