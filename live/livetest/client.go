package livetest

import (
	"fmt"
	"net/http"
	"net/url"
)

// SetCookie puts a cookie in the client's jar for the test server, as if a
// sign-in had set it.
func (c *Client) SetCookie(ck *http.Cookie) {
	u, _ := url.Parse(c.ts.URL)
	c.jar.SetCookies(u, []*http.Cookie{ck})
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
	v := &View{c: c, t: c.t, id: p.id, session: p.session, csrf: p.csrf, url: c.URL(path)}
	if err := v.connect(); err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	c.t.Cleanup(v.Close)
	reason, err := v.join(nil)
	if err != nil {
		return err
	}
	if reason != nil {
		return fmt.Errorf("join refused: %s", reason)
	}
	return nil
}
