package livetest

import "github.com/templive/templive/internal/wire"

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
	if err := v.ping(wire.Ping{Ref: "async-" + v.nextRef(), Async: true}); err != nil {
		v.t.Fatalf("livetest: await async: %v\n%s", err, v.pretty())
	}
	v.follow()
}
