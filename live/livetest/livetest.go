package livetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/net/html"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/live"
	"github.com/templive/templive/render"
	"github.com/templive/templive/render/pretty"
)

// Timeout bounds how long a View waits for the server to answer.
const Timeout = 5 * time.Second

// A Client is a browser without a browser: a cookie jar and an HTTP server
// running the handler under test. Create one with [NewClient]; it is closed
// when the test ends.
type Client struct {
	t      testing.TB
	srv    *live.Server
	ts     *httptest.Server
	http   *http.Client
	jar    http.CookieJar
	origin string
}

// NewClient serves h (the application's handler; nil means srv itself) on
// a loopback httptest server for the duration of the test. srv is the live
// server the pages are registered with; [View.Send] uses it.
func NewClient(t testing.TB, srv *live.Server, h http.Handler) *Client {
	t.Helper()
	if h == nil {
		h = srv
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	jar, _ := cookiejar.New(nil)
	return &Client{
		t:      t,
		srv:    srv,
		ts:     ts,
		jar:    jar,
		origin: ts.URL,
		http: &http.Client{Jar: jar, Timeout: Timeout, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}
}

// URL returns the absolute URL of path on the test server.
func (c *Client) URL(path string) string { return c.ts.URL + path }

// Mount is NewClient(t, srv, nil).Live(path): the shortest way to test one
// view.
func Mount(t testing.TB, srv *live.Server, path string) *View {
	t.Helper()
	return NewClient(t, srv, nil).Live(path)
}

// A Page is the result of a GET: the static, disconnected render.
type Page struct {
	t        testing.TB
	Status   int
	Location string // the redirect target, for a 3xx
	Body     string // the whole document
	url      string // the page's absolute URL, which a join sends
	id       string
	session  string
	csrf     string
	root     *render.Node // the view's root contents; nil if not a live page
}

// Get requests path and returns the page, without connecting it.
func (c *Client) Get(path string) *Page {
	c.t.Helper()
	resp, err := c.http.Get(c.URL(path))
	return c.page("GET "+path, resp, err)
}

// page reads a response into a Page, failing the test if there is none.
func (c *Client) page(what string, resp *http.Response, err error) *Page {
	c.t.Helper()
	if err != nil {
		c.t.Fatalf("livetest: %s: %v", what, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("livetest: %s: %v", what, err)
	}
	p := &Page{t: c.t, Status: resp.StatusCode, Location: resp.Header.Get("Location"), Body: string(body), url: resp.Request.URL.String()}
	if resp.StatusCode == http.StatusOK {
		p.findRoot()
	}
	return p
}

// PostForm posts values to path, as a plain HTML form would, without
// following a redirect; cookies it sets (a sign-in, say) stay in the
// client's jar for later requests.
func (c *Client) PostForm(path string, values url.Values) *Page {
	c.t.Helper()
	resp, err := c.http.PostForm(c.URL(path), values)
	return c.page("POST "+path, resp, err)
}

// findRoot extracts the live root, its session token and the CSRF token.
func (p *Page) findRoot() {
	doc, err := html.Parse(strings.NewReader(p.Body))
	if err != nil {
		return
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			a := map[string]string{}
			for _, at := range n.Attr {
				a[at.Key] = at.Val
			}
			if n.Data == "meta" && a["name"] == "csrf-token" {
				p.csrf = a["content"]
			}
			if _, ok := a["data-live-root"]; ok && p.id == "" {
				p.id, p.session = a["id"], a["data-live-session"]
				var b strings.Builder
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					html.Render(&b, c)
				}
				p.root, _ = render.ParseFragment([]byte(b.String()))
				return
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
}

// Live reports whether the page holds a live view.
func (p *Page) Live() bool { return p.root != nil }

// HTML returns the view's static render (the root's contents).
func (p *Page) HTML() string {
	if p.root == nil {
		return ""
	}
	return string(p.root.AppendHTML(nil))
}

// Has reports whether an element matches sel in the static render.
func (p *Page) Has(sel string) bool { p.t.Helper(); return len(query(p.t, p.root, sel)) > 0 }

// Text returns the text of the first element matching sel in the static
// render; the test fails if there is none.
func (p *Page) Text(sel string) string { p.t.Helper(); return text(one(p.t, p.root, sel)) }

// A View is a connected live view, driven over a real WebSocket with the
// frames the browser client sends, through the real runtime and the real
// diff: every patch is applied to the tree a View keeps, exactly as the
// browser applies it.
type View struct {
	c       *Client
	t       testing.TB
	ws      *websocket.Conn
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
	redirect   string
	flash      string // the signed flash the redirect carried
	navigated  string
	lastRender int // bytes of the last frame that carried a render
	closed     bool
	closeOnce  sync.Once
	lastFlashT string
}

// frame is a decoded server frame and its size on the wire.
type frame struct {
	f    []json.RawMessage
	size int
}

// A PushedEvent is an event the view pushed to client hooks
// ([live.Socket.PushEvent]).
type PushedEvent struct {
	Name    string
	Payload json.RawMessage
}

// Live GETs path, then connects and joins its view, and returns it. The
// test fails if the page is not a live view or the join is refused.
func (c *Client) Live(path string) *View {
	c.t.Helper()
	p := c.Get(path)
	if p.Status != http.StatusOK || !p.Live() {
		c.t.Fatalf("livetest: GET %s: status %d, live view: %v (Location %q)", path, p.Status, p.Live(), p.Location)
	}
	v := &View{c: c, t: c.t, id: p.id, session: p.session, csrf: p.csrf, url: c.URL(path)}
	if err := v.connect(); err != nil {
		c.t.Fatalf("livetest: connect %s: %v", path, err)
	}
	c.t.Cleanup(v.Close)
	if reason, err := v.join(nil); err != nil {
		c.t.Fatalf("livetest: join %s: %v", path, err)
	} else if reason != nil {
		c.t.Fatalf("livetest: join %s refused: %s", path, reason)
	}
	return v
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
	ws, resp, err := websocket.DefaultDialer.Dial(wsURL, h)
	if err != nil {
		if resp != nil {
			return fmt.Errorf("%w (HTTP %d)", err, resp.StatusCode)
		}
		return err
	}
	v.ws = ws
	v.frames = make(chan frame, 256)
	v.done = make(chan struct{})
	v.wg.Go(v.readLoop)
	return nil
}

// readLoop decodes frames until the connection closes or the view is
// closed. A view that pushes faster than the test reads fills frames, so
// the send also waits on done: otherwise Close, which closes the socket
// and waits for readLoop, would wait forever on a send nobody receives.
func (v *View) readLoop() {
	defer close(v.frames)
	for {
		_, data, err := v.ws.ReadMessage()
		if err != nil {
			v.readErr = err
			return
		}
		var f []json.RawMessage
		if err := json.Unmarshal(data, &f); err != nil || len(f) != 5 {
			v.readErr = fmt.Errorf("livetest: malformed frame from server: %s", data)
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
	v.closeOnce.Do(func() {
		if v.ws != nil {
			close(v.done)
			v.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
			v.ws.Close()
			v.wg.Wait()
		}
	})
}

// nextRef returns a fresh message ref.
func (v *View) nextRef() string {
	v.ref++
	return strconv.Itoa(v.ref)
}

// send writes a frame.
func (v *View) send(joinRef, ref, event string, payload any) error {
	b, err := json.Marshal([]any{joinRef, ref, v.topic, event, payload})
	if err != nil {
		return err
	}
	return v.ws.WriteMessage(websocket.TextMessage, b)
}

// join joins the view's topic; it returns the refusal's response if the
// server refused.
func (v *View) join(extra map[string]any) (json.RawMessage, error) {
	v.topic = "lv:" + v.id
	ref := v.nextRef()
	v.joinRef = ref
	payload := map[string]any{"session": v.session, "url": v.url}
	for k, val := range extra {
		payload[k] = val
	}
	if err := v.send(ref, ref, "phx_join", payload); err != nil {
		return nil, err
	}
	status, resp, err := v.await(ref)
	if err != nil {
		return nil, err
	}
	if status != "ok" {
		return resp, nil
	}
	var r struct {
		HTML  string `json:"html"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal(resp, &r); err != nil {
		return nil, fmt.Errorf("join reply: %w", err)
	}
	tree, err := render.ParseFragment([]byte(r.HTML))
	if err != nil {
		return nil, fmt.Errorf("join reply html: %w", err)
	}
	v.tree = tree
	if r.Title != "" {
		v.title = r.Title
	}
	return nil, nil
}

// await handles frames until the reply to ref arrives, and returns its
// status and response.
func (v *View) await(ref string) (status string, resp json.RawMessage, err error) {
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return "", nil, fmt.Errorf("connection closed: %v", v.readErr)
			}
			done, status, resp, err := v.handle(f.f, f.size, ref)
			if err != nil || done {
				return status, resp, err
			}
		case <-timer.C:
			return "", nil, fmt.Errorf("no reply to ref %s within %s", ref, Timeout)
		}
	}
}

// awaitPush handles frames until a push of event arrives whose payload
// satisfies match.
func (v *View) awaitPush(event string, match func(json.RawMessage) bool) error {
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return fmt.Errorf("connection closed: %v", v.readErr)
			}
			var ev string
			json.Unmarshal(f.f[3], &ev)
			if _, _, _, err := v.handle(f.f, f.size, ""); err != nil {
				return err
			}
			if ev == event && match(f.f[4]) {
				return nil
			}
		case <-timer.C:
			return fmt.Errorf("no %q push within %s", event, Timeout)
		}
	}
}

// handle applies one frame. done reports that it was the reply to ref.
func (v *View) handle(f []json.RawMessage, size int, ref string) (done bool, status string, resp json.RawMessage, err error) {
	var joinRef, fref, topic, event string
	json.Unmarshal(f[0], &joinRef)
	json.Unmarshal(f[1], &fref)
	json.Unmarshal(f[2], &topic)
	json.Unmarshal(f[3], &event)
	if topic != v.topic || (joinRef != "" && joinRef != v.joinRef) {
		return false, "", nil, nil
	}
	switch event {
	case "phx_reply":
		var r struct {
			Status   string          `json:"status"`
			Response json.RawMessage `json:"response"`
		}
		if err := json.Unmarshal(f[4], &r); err != nil {
			return false, "", nil, fmt.Errorf("malformed reply: %s", f[4])
		}
		if fref != ref {
			return false, "", nil, nil
		}
		if r.Status == "ok" && fref != v.joinRef {
			v.lastRender = size
			if err := v.applyRender(r.Response); err != nil {
				return true, r.Status, r.Response, err
			}
		}
		return true, r.Status, r.Response, nil
	case "diff":
		v.lastRender = size
		return false, "", nil, v.applyRender(f[4])
	case "redirect":
		var r struct{ To, Flash string }
		json.Unmarshal(f[4], &r)
		v.redirect, v.flash = r.To, r.Flash
	case "live_patch":
		var r struct{ To string }
		json.Unmarshal(f[4], &r)
		if u, err := url.Parse(v.url); err == nil {
			if to, err := u.Parse(r.To); err == nil {
				v.url = to.String()
			}
		}
	case "live_redirect":
		var r struct{ To, Flash string }
		json.Unmarshal(f[4], &r)
		v.navigated, v.lastFlashT = r.To, r.Flash
	case "phx_error":
		return true, "", nil, fmt.Errorf("the view crashed (phx_error)")
	case "phx_close":
		v.closed = true
		if ref != "" {
			return true, "", nil, nil
		}
	}
	return false, "", nil, nil
}

// applyRender applies a render's effects: the patch, pushed events, title.
func (v *View) applyRender(raw json.RawMessage) error {
	var r struct {
		Patch   json.RawMessage     `json:"d"`
		Streams [][]json.RawMessage `json:"s"`
		Events  [][]json.RawMessage `json:"ev"`
		Title   *string             `json:"title"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("malformed render: %s", raw)
	}
	if len(r.Patch) > 0 {
		p, err := diff.DecodeJSON(r.Patch)
		if err != nil {
			return fmt.Errorf("undecodable patch %s: %w", r.Patch, err)
		}
		if err := diff.Apply(v.tree, p); err != nil {
			return fmt.Errorf("patch %s does not apply: %w\n%s", r.Patch, err, pretty.HTML(v.tree.AppendHTML(nil)))
		}
	}
	for _, op := range r.Streams {
		if err := applyStreamOp(v.tree, op); err != nil {
			return fmt.Errorf("stream operation %s: %w", op, err)
		}
	}
	for _, e := range r.Events {
		if len(e) != 2 {
			continue
		}
		var name string
		json.Unmarshal(e[0], &name)
		v.events = append(v.events, PushedEvent{Name: name, Payload: e[1]})
	}
	if r.Title != nil {
		v.title = *r.Title
	}
	return nil
}

// push sends an event and waits for its reply; a refusal or a crash fails
// the test.
func (v *View) push(event string, payload any) json.RawMessage {
	v.t.Helper()
	resp, err := v.tryPush(event, payload)
	if err != nil {
		v.t.Fatalf("livetest: %s: %v\n%s", event, err, v.pretty())
	}
	return resp
}

// tryPush sends an event and waits for its reply, returning an error for a
// refusal or a crash.
func (v *View) tryPush(event string, payload any) (json.RawMessage, error) {
	v.t.Helper()
	if v.redirect != "" || v.closed {
		return nil, fmt.Errorf("the view ended (redirected to %q)", v.redirect)
	}
	ref := v.nextRef()
	if err := v.send(v.joinRef, ref, event, payload); err != nil {
		return nil, err
	}
	status, resp, err := v.await(ref)
	if err != nil {
		return nil, err
	}
	if status != "ok" {
		return nil, fmt.Errorf("refused: %s", resp)
	}
	v.follow()
	return resp, nil
}

// TryEvent sends an event like [View.Event] but returns what went wrong —
// a refusal, or the view crashing — instead of failing the test.
func (v *View) TryEvent(typ, name string, values url.Values) error {
	v.t.Helper()
	_, err := v.tryPush("event", map[string]any{"t": typ, "e": name, "v": values.Encode()})
	return err
}

// Rejoin joins the view again with its page's session, as the browser does
// after a crash or a reconnect; the view is mounted anew.
func (v *View) Rejoin() {
	v.t.Helper()
	v.RejoinWith(nil)
}

// RejoinWith rejoins like [View.Rejoin] with extra join payload fields,
// such as the "form" state the browser recovers after a reconnect.
func (v *View) RejoinWith(extra map[string]any) {
	v.t.Helper()
	reason, err := v.join(extra)
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
	v.navigated = ""
	if err := v.send(v.joinRef, v.nextRef(), "phx_leave", map[string]any{}); err != nil {
		v.t.Fatalf("livetest: leave for navigation: %v", err)
	}
	u, _ := url.Parse(v.url)
	next, err := u.Parse(to)
	if err != nil {
		v.t.Fatalf("livetest: navigate to %q: %v", to, err)
	}
	v.url = next.String()
	extra := map[string]any{}
	if v.lastFlashT != "" {
		extra["flash"] = v.lastFlashT
	}
	reason, err := v.join(extra)
	if err != nil {
		v.t.Fatalf("livetest: navigate to %s: %v", to, err)
	}
	if reason != nil {
		var r struct{ Reason string }
		if json.Unmarshal(reason, &r) == nil && r.Reason == "navigate" {
			// The browser loads the page in full (another group, or no
			// live view there): the view ends with a redirect.
			v.redirect = next.RequestURI()
			return
		}
		v.t.Fatalf("livetest: navigate to %s refused: %s", to, reason)
	}
}

// event sends a binding's event.
func (v *View) event(typ, name string, values url.Values, extra map[string]string) json.RawMessage {
	v.t.Helper()
	p := map[string]any{"t": typ, "e": name, "v": values.Encode()}
	for k, val := range extra {
		p[k] = val
	}
	return v.push("event", p)
}

// binding returns the element matching sel and its attr binding's event
// name; the test fails if either is missing.
func (v *View) binding(sel, attrName string) (*render.Node, string) {
	v.t.Helper()
	el := one(v.t, v.tree, sel)
	name, ok := el.Attr(attrName)
	if !ok {
		v.t.Fatalf("livetest: %s has no %s binding:\n%s", sel, attrName, pretty.HTML(el.AppendHTML(nil)))
	}
	return el, name
}

// Click clicks the element matching sel, which must have a live-click
// binding; its live-value-* attributes go along. It waits for the patch.
func (v *View) Click(sel string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-click")
	v.event(live.EventClick, name, liveValues(el), nil)
}

// Submit submits the form matching sel (it must have live-submit) with the
// values of its fields as rendered, overridden by values.
func (v *View) Submit(sel string, values url.Values) {
	v.t.Helper()
	el, name := v.binding(sel, "live-submit")
	v.event(live.EventSubmit, name, formValues(el, values), nil)
}

// Change reports a change of field in the form matching sel (it must have
// live-change), with the form's values overridden by values.
func (v *View) Change(sel, field string, values url.Values) {
	v.t.Helper()
	el, name := v.binding(sel, "live-change")
	v.event(live.EventChange, name, formValues(el, values), map[string]string{"f": field})
}

// KeyDown presses key on the element matching sel (live-keydown).
func (v *View) KeyDown(sel, key string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-keydown")
	v.event(live.EventKeyDown, name, liveValues(el), map[string]string{"k": key})
}

// KeyUp releases key on the element matching sel (live-keyup).
func (v *View) KeyUp(sel, key string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-keyup")
	v.event(live.EventKeyUp, name, liveValues(el), map[string]string{"k": key})
}

// Blur and Focus fire the live-blur and live-focus bindings of sel.
func (v *View) Blur(sel string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-blur")
	v.event(live.EventBlur, name, liveValues(el), nil)
}

// Focus fires the live-focus binding of the element matching sel.
func (v *View) Focus(sel string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-focus")
	v.event(live.EventFocus, name, liveValues(el), nil)
}

// Event sends an event of type typ named name with values, as a binding
// would, without looking for an element.
func (v *View) Event(typ, name string, values url.Values) {
	v.t.Helper()
	v.event(typ, name, values, nil)
}

// Hook pushes an event from a client hook (pushEvent) and returns the
// view's reply ([live.Socket.Reply]) as JSON, "null" if none.
func (v *View) Hook(name string, payload any) json.RawMessage {
	v.t.Helper()
	resp := v.push("event", map[string]any{"t": live.EventHook, "e": name, "v": payload})
	var r struct {
		Reply json.RawMessage `json:"r"`
	}
	json.Unmarshal(resp, &r)
	if r.Reply == nil {
		return json.RawMessage("null")
	}
	return r.Reply
}

// Patch follows a live-patch link to path (same view, HandleParams runs).
func (v *View) Patch(path string) {
	v.t.Helper()
	v.url = v.c.URL(path)
	v.push("live_patch", map[string]string{"url": v.url})
}

// Send delivers msg to the view's InfoHandler, as a PubSub message would
// arrive, and waits until it has been handled and its render applied.
func (v *View) Send(msg any) {
	v.t.Helper()
	ref := "ping-" + v.nextRef()
	if err := v.c.srv.Send(v.id, msg); err != nil {
		v.t.Fatalf("livetest: send %T: %v", msg, err)
	}
	v.Sync(ref)
}

// Sync waits until every message already sent to the view (by Send, a
// PubSub broadcast or a timer) has been handled and its render applied.
func (v *View) Sync(ref string) {
	v.t.Helper()
	if ref == "" {
		ref = "ping-" + v.nextRef()
	}
	if err := v.c.srv.Send(v.id, live.Ping{Ref: ref}); err != nil {
		v.t.Fatalf("livetest: sync: %v", err)
	}
	err := v.awaitPush("pong", func(p json.RawMessage) bool {
		var r struct{ Ref string }
		json.Unmarshal(p, &r)
		return r.Ref == ref
	})
	if err != nil {
		v.t.Fatalf("livetest: sync: %v\n%s", err, v.pretty())
	}
	v.follow()
}

// SyncUntil syncs the view until cond holds, for changes that reach the
// view through another goroutine first (a presence diff, a broadcast from
// another node); the test fails, printing the HTML, if cond does not hold
// within [Timeout].
func (v *View) SyncUntil(what string, cond func() bool) {
	v.t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		v.Sync("")
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("livetest: %s: not within %s\n%s", what, Timeout, v.pretty())
		}
		time.Sleep(time.Millisecond)
	}
}

// HTML returns the view's current HTML (the root's contents).
func (v *View) HTML() string { return string(v.tree.AppendHTML(nil)) }

// pretty returns the current HTML, indented, for failure messages.
func (v *View) pretty() string {
	if v.tree == nil {
		return ""
	}
	return pretty.HTML(v.tree.AppendHTML(nil))
}

// Has reports whether an element matches sel.
func (v *View) Has(sel string) bool { v.t.Helper(); return len(query(v.t, v.tree, sel)) > 0 }

// Count returns how many elements match sel.
func (v *View) Count(sel string) int { v.t.Helper(); return len(query(v.t, v.tree, sel)) }

// Text returns the text content of the first element matching sel; the
// test fails, printing the HTML, if there is none.
func (v *View) Text(sel string) string { v.t.Helper(); return text(one(v.t, v.tree, sel)) }

// Texts returns the text content of every element matching sel.
func (v *View) Texts(sel string) []string {
	v.t.Helper()
	var out []string
	for _, n := range query(v.t, v.tree, sel) {
		out = append(out, text(n))
	}
	return out
}

// Attr returns an attribute of the first element matching sel.
func (v *View) Attr(sel, name string) (string, bool) {
	v.t.Helper()
	return one(v.t, v.tree, sel).Attr(name)
}

// Title returns the document title the view set, if any.
func (v *View) Title() string { return v.title }

// URL returns the view's current URL (after patches and navigations).
func (v *View) URL() string { return v.url }

// Redirect returns where the view redirected the browser (a full page
// load), or "".
func (v *View) Redirect() string { return v.redirect }

// FollowRedirect loads the page the view redirected to, as the browser
// does: with the flash the redirect carried in the _live_flash cookie. The
// test fails if the view did not redirect.
func (v *View) FollowRedirect() *Page {
	v.t.Helper()
	if v.redirect == "" {
		v.t.Fatal("livetest: the view did not redirect")
	}
	if v.flash != "" {
		u, _ := url.Parse(v.c.ts.URL)
		v.c.jar.SetCookies(u, []*http.Cookie{{Name: "_live_flash", Value: v.flash, Path: "/"}})
	}
	return v.c.Get(v.redirect)
}

// Events returns the events pushed to client hooks so far, and forgets
// them.
func (v *View) Events() []PushedEvent {
	e := v.events
	v.events = nil
	return e
}

// LastRenderBytes returns the size on the wire of the last frame that
// carried a render (an event's reply or a "diff" push): what one update
// cost.
func (v *View) LastRenderBytes() int { return v.lastRender }

// ID returns the view's id ([live.Socket.ID]).
func (v *View) ID() string { return v.id }

// query returns the elements matching sel, failing the test on a bad
// selector.
func query(t testing.TB, root *render.Node, sel string) []*render.Node {
	t.Helper()
	if root == nil {
		t.Fatalf("livetest: no live view to query")
	}
	s, err := parseSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return s.all(root)
}

// one returns the first element matching sel, failing the test, with the
// HTML, if there is none.
func one(t testing.TB, root *render.Node, sel string) *render.Node {
	t.Helper()
	els := query(t, root, sel)
	if len(els) == 0 {
		t.Fatalf("livetest: nothing matches %q in:\n%s", sel, pretty.HTML(root.AppendHTML(nil)))
	}
	return els[0]
}

// liveValues returns an element's live-value-* attributes.
func liveValues(el *render.Node) url.Values {
	vals := url.Values{}
	for _, a := range el.Attrs {
		if name, ok := strings.CutPrefix(a.Key, "live-value-"); ok {
			vals.Set(name, a.Val)
		}
	}
	return vals
}

// formValues collects the values a browser would submit for form, as
// rendered, then applies overrides.
func formValues(form *render.Node, overrides url.Values) url.Values {
	vals := liveValues(form)
	var walk func(n *render.Node)
	walk = func(n *render.Node) {
		for i := range n.Children {
			c := &n.Children[i]
			if c.Type != render.ElementNode {
				continue
			}
			name, named := c.Attr("name")
			_, disabled := c.Attr("disabled")
			switch {
			case !named || disabled:
			case c.Data == "input":
				typ := strings.ToLower(attr(c, "type"))
				switch typ {
				case "submit", "button", "reset", "image", "file":
				case "checkbox", "radio":
					if _, on := c.Attr("checked"); on {
						val, ok := c.Attr("value")
						if !ok {
							val = "on"
						}
						vals.Add(name, val)
					}
				default:
					vals.Add(name, attr(c, "value"))
				}
			case c.Data == "textarea":
				vals.Add(name, strings.TrimPrefix(text(c), "\n"))
			case c.Data == "select":
				vals.Add(name, selectValue(c))
			}
			walk(c)
		}
	}
	walk(form)
	for k, vs := range overrides {
		vals[k] = vs
	}
	return vals
}

// selectValue returns the value of a select's selected option (the first
// one if none is marked).
func selectValue(sel *render.Node) string {
	var first, chosen *render.Node
	var walk func(n *render.Node)
	walk = func(n *render.Node) {
		for i := range n.Children {
			c := &n.Children[i]
			if c.Type == render.ElementNode && c.Data == "option" {
				if first == nil {
					first = c
				}
				if _, ok := c.Attr("selected"); ok && chosen == nil {
					chosen = c
				}
			}
			walk(c)
		}
	}
	walk(sel)
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return ""
	}
	if v, ok := chosen.Attr("value"); ok {
		return v
	}
	return strings.TrimSpace(text(chosen))
}
