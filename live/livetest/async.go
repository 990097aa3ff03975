package livetest

import (
	"encoding/json"
	"net/http"

	"github.com/templive/templive/live"
)

// AwaitAsync waits until every async task the view started
// ([live.Async.Load], [live.StartAsync]) has delivered its result and the
// render that follows has been applied — LiveViewTest's render_async. A
// task started by a result's handler is awaited too. The test fails,
// printing the HTML, if a task is still pending after [Timeout].
//
// To test the loading state, read the view while the task cannot finish
// yet (its fake backend waits for the test): the page of [Client.Get]
// shows what the GET rendered, which never waits for a task, and the view
// shows it until AwaitAsync:
//
//	p := c.Get("/dashboard")
//	if !p.Has("#stats .loading") { … }
//	v := c.Join(p)
//	backend.answer(stats)
//	v.AwaitAsync()
func (v *View) AwaitAsync() {
	v.t.Helper()
	ref := "async-" + v.nextRef()
	if err := v.c.srv.Send(v.id, live.Ping{Ref: ref, Async: true}); err != nil {
		v.t.Fatalf("livetest: await async: %v", err)
	}
	err := v.awaitPush("pong", func(p json.RawMessage) bool {
		var r struct{ Ref string }
		json.Unmarshal(p, &r)
		return r.Ref == ref
	})
	if err != nil {
		v.t.Fatalf("livetest: await async: %v\n%s", err, v.pretty())
	}
	v.follow()
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
	v := &View{c: c, t: c.t, id: p.id, session: p.session, csrf: p.csrf, url: p.url}
	if err := v.connect(); err != nil {
		c.t.Fatalf("livetest: connect %s: %v", p.url, err)
	}
	c.t.Cleanup(v.Close)
	if reason, err := v.join(nil); err != nil {
		c.t.Fatalf("livetest: join %s: %v", p.url, err)
	} else if reason != nil {
		c.t.Fatalf("livetest: join %s refused: %s", p.url, reason)
	}
	return v
}
