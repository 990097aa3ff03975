// Package live turns a Go struct and a templ component into a live page:
// the server renders it, keeps one goroutine per connected browser tab,
// and after every state change sends the browser a small patch over one
// WebSocket. The people who use it write no JavaScript.
//
// # Views
//
// A [View] is a struct whose fields are its state. It renders with a
// [templ.Component] and handles what the browser and the rest of the
// system send it through optional interfaces:
//
//	type Counter struct{ Count int }
//
//	func (c *Counter) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
//		return nil
//	}
//	func (c *Counter) Render() templ.Component { return counterView(c) } // a templ component
//	func (c *Counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
//		if ev.Name == "inc" { // <button live-click="inc">
//			c.Count++
//		}
//		return nil
//	}
//
// [EventHandler] receives the browser's bindings (live-click, live-submit,
// live-change, …) as typed [Event] values; [InfoHandler] receives PubSub
// messages — the very Go values that were broadcast — after
// [Socket.Subscribe]; [ParamsHandler] follows the URL; [Terminator] learns
// that the view ended.
//
// # Serving
//
// A [Server] serves the pages, their first (static, indexable) render, the
// live socket at /live/websocket and the client script at
// /live/templive.js:
//
//	lv := live.NewServer(live.Options{Secret: secret, PubSub: ps})
//	lv.Page("/counter", func() live.View { return &Counter{} })
//	mux.Handle("/", lv)
//	defer lv.Shutdown(ctx)
//
// A layout renders live.Head() in its head, for the CSRF token and the
// client script.
//
// # Sockets
//
// A [Socket] is a view's handle on the runtime, passed to every callback,
// as a Phoenix.LiveView.Socket is. A [channel.Socket] is an endpoint that
// serves connections speaking the Phoenix Channels protocol and routes the
// topics they join to channels, as a Phoenix UserSocket does. The live
// socket, at /live/websocket, is the channel.Socket a [Server] runs: each
// of its channels, on a topic "lv:<id>", is one connected view, and a
// browser tab joins all of its page's views over one connection.
//
// # Lifecycle
//
// The GET mounts the view disconnected and renders the whole page, with a
// signed session token on the view's root element. The browser then joins
// the view's topic on the live socket; the server verifies the token,
// mounts the view again, connected (or adopts the GET's instance, see
// [Options.MountOnce]), and replies with its HTML. From then on every event
// and message runs on the view's goroutine, one at a time; after a burst of
// them the view renders once, the new HTML is diffed against what the
// browser has, and the patch is sent. A panic or error crashes that view
// only: the browser rejoins and the view comes back. The crash is logged
// once, by the channel layer, at level ERROR ("channel crashed") with the
// callback that failed, the error, and the view's route and id;
// [Terminator.Terminate] receives it wrapped in [ErrViewCrashed].
//
// # Streams
//
// A [Stream] holds a list the browser keeps and the server forgets after
// each render: feeds of any length cost a view the same memory.
//
// # Testing
//
// Package livetest drives views in plain go test, over a real connection
// and the real diff, with no browser.
package live
