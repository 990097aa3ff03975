package livetest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
)

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
	// longPoll: views connect over long-poll (Client.LongPoll).
	longPoll bool
	// lastCSRF is the CSRF token of the last page served, which goes with
	// the client's cookie.
	lastCSRF string
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

// SetCookie puts a cookie in the client's jar for the test server, as if a
// sign-in had set it.
func (c *Client) SetCookie(ck *http.Cookie) {
	u, _ := url.Parse(c.ts.URL)
	c.jar.SetCookies(u, []*http.Cookie{ck})
}

// Get requests path and returns the page, without connecting it.
func (c *Client) Get(path string) *Page {
	c.t.Helper()
	resp, err := c.http.Get(c.URL(path))
	return c.page("GET "+path, resp, err)
}

// PostForm posts values to path, as a plain HTML form would, without
// following a redirect; cookies it sets (a sign-in, say) stay in the
// client's jar for later requests.
func (c *Client) PostForm(path string, values url.Values) *Page {
	c.t.Helper()
	resp, err := c.http.PostForm(c.URL(path), values)
	return c.page("POST "+path, resp, err)
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
		if p.csrf != "" {
			c.lastCSRF = p.csrf
		}
	}
	return p
}

// Live GETs path, then connects and joins its view, and returns it. The
// test fails if the page is not a live view or the join is refused.
func (c *Client) Live(path string) *View {
	c.t.Helper()
	p := c.Get(path)
	if p.Status != http.StatusOK || !p.Live() {
		c.t.Fatalf("livetest: GET %s: status %d, live view: %v (Location %q)", path, p.Status, p.Live(), p.Location)
	}
	// The view shows the GET's render until its join: a join may patch it.
	v := &View{c: c, t: c.t, id: p.id, session: p.session, csrf: p.csrf, url: c.URL(path), layout: p.nested, tree: p.root.Clone()}
	if err := v.connect(); err != nil {
		c.t.Fatalf("livetest: connect %s: %v", path, err)
	}
	c.t.Cleanup(v.Close)
	if reason, err := v.join(wire.JoinPayload{}); err != nil {
		c.t.Fatalf("livetest: join %s: %v", path, err)
	} else if reason != nil {
		c.t.Fatalf("livetest: join %s refused: %s", path, reason)
	}
	return v
}

// TryLive is [Client.Live] for a join expected to fail: it returns the
// refusal (or what went wrong) as an error instead of failing the test,
// and nil if the view joined.
func (c *Client) TryLive(path string) error {
	c.t.Helper()
	p := c.Get(path)
	if p.Status != http.StatusOK || !p.Live() {
		return fmt.Errorf("GET %s: status %d, live view: %v", path, p.Status, p.Live())
	}
	return c.TryJoin(p)
}

// TryJoin is [Client.Join] for a join expected to fail, as [Client.TryLive]
// is for Live: what changed between the page's GET and its join (a user
// signed out) may refuse it.
func (c *Client) TryJoin(p *Page) error {
	c.t.Helper()
	if p.Status != http.StatusOK || !p.Live() {
		return fmt.Errorf("join %s: status %d, live view: %v", p.url, p.Status, p.Live())
	}
	v := &View{c: c, t: c.t, id: p.id, session: p.session, csrf: p.csrf, url: p.url, layout: p.nested, tree: p.root.Clone()}
	if err := v.connect(); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	c.t.Cleanup(v.Close)
	reason, err := v.join(wire.JoinPayload{})
	if err != nil {
		return err
	}
	if reason != nil {
		return fmt.Errorf("join refused: %s", reason)
	}
	return nil
}

// Join connects and joins the live view of p, a page from [Client.Get],
// as the browser does once it has loaded the page, and returns it;
// [Client.Live] is Get then Join. In between, a test reads what the GET
// rendered and decides what happens before the join: that an async task
// the GET's Mount started finishes first, say, with [live.Options.MountOnce].
// The test fails if p is not a live view or the join is refused.
func (c *Client) Join(p *Page) *View {
	c.t.Helper()
	if p.Status != http.StatusOK || !p.Live() {
		c.t.Fatalf("livetest: join %s: status %d, live view: %v", p.url, p.Status, p.Live())
	}
	v := &View{c: c, t: c.t, id: p.id, session: p.session, csrf: p.csrf, url: p.url, layout: p.nested, tree: p.root.Clone()}
	if err := v.connect(); err != nil {
		c.t.Fatalf("livetest: connect %s: %v", p.url, err)
	}
	c.t.Cleanup(v.Close)
	if reason, err := v.join(wire.JoinPayload{}); err != nil {
		c.t.Fatalf("livetest: join %s: %v", p.url, err)
	} else if reason != nil {
		c.t.Fatalf("livetest: join %s refused: %s", p.url, reason)
	}
	return v
}
