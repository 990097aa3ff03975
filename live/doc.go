// Package live turns a Go struct and a templ component into a live page:
// the server renders it, keeps each connected browser tab as a view with
// its own goroutine (while it has work: an idle view holds only its
// state), and after every state change sends the browser a small patch over one
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
// # Components
//
// A page is built from parts with [Component]: a value with a Render
// method, rendered in the view's markup under an id unique in the view,
// that keeps its own state from one render of the view to the next and
// handles its own events, as Phoenix's live components do:
//
//	templ (v *Feed) view() {
//		for _, p := range v.Posts {
//			@live.Component("post-"+p.ID, &Post{Post: p})
//		}
//	}
//
// A component is mounted once ([ComponentMounter]); each later render of
// the view hands the kept component the value it built, if it is an
// [Updater], to take new inputs from; a render that leaves an id out
// forgets its component. Its root element gets live-component="<id>",
// and the events of the elements inside it go to the component's
// [EventHandler]: by default an element's events go to the nearest
// component around it, live-target="view" sends them to the view and
// live-target="<id>" to another component of the view. A component tells
// its view something with [Socket.Send]; the view, or anything holding
// the socket, updates a component with [Socket.SendUpdate], which its
// [InfoHandler] receives. A component runs on its view's goroutine and
// renders with it: the browser gets one patch.
//
// # Nested and sticky views
//
// [Nested] renders a live view inside another's markup, as Phoenix's
// live_render: unlike a component, it has its own goroutine, state and
// mailbox, subscribes to PubSub on its own, and a crash of it leaves its
// parent alone:
//
//	templ (v *Page) view() {
//		@live.Nested("chat", &ChatBox{Room: v.Room})
//	}
//
// The first render of a name starts the nested view from its value;
// later renders keep it; a render that leaves it out ends it, and so does
// its parent's end. In the layout, [NestedOptions] Sticky makes a view
// that survives live navigation between the pages of a [Group] — a
// notification bell, a music player — keeping its element, its goroutine
// and its state while the page's view is replaced:
//
//	@live.Nested("bell", &Bell{}, live.NestedOptions{Sticky: true})
//
// The browser joins a nested view after its parent, over the same
// connection; the server starts only the nested views it rendered for a
// parent joined on that connection (docs/PROTOCOL.md, "Nested views").
// livetest's View.Nested joins one in a test.
//
// # Lifecycle hooks
//
// [Server.OnMount] attaches [MountHook]s to a group of pages ([Group]):
// they run before the Mount of each of its views, on the GET and on the
// join, so that authorization is checked once for the group rather than
// in every Mount. A hook loads the user from the session, hands it to the
// view through an interface of the application's own, or sends the
// visitor to the sign-in page with [Socket.Redirect], which halts the
// chain before Mount:
//
//	lv.OnMount("members", func(ctx context.Context, s *live.Socket, v live.View, params url.Values) error {
//		user := s.Session().Get("user")
//		if user == "" {
//			s.Redirect("/signin")
//			return nil
//		}
//		if u, ok := v.(interface{ SetUser(string) }); ok {
//			u.SetUser(user)
//		}
//		return nil
//	})
//	lv.Page("/rooms/{id}", newRoom, live.Group("members"))
//
// A view or a mount hook attaches functions that run before the view's
// HandleEvent, HandleInfo and HandleParams with [Socket.OnEvent],
// [Socket.OnInfo] and [Socket.OnParams] (Phoenix's attach_hook): a
// keyboard shortcut every page of a group has, analytics. Each may halt
// the chain, so the view's own callback does not run.
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
// client script. [Server.Visitors] gives visitors who have not signed in
// a stable id ([VisitorID]), for presence or a cart.
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
// browser has, and the patch is sent.
//
// A panic in one of the view's callbacks, or an error one returns,
// crashes that view only: the browser rejoins and the view comes back. A
// join that fails once the view exists is a crash too — Mount or
// HandleParams returning an error or panicking, the first Render
// panicking — and the browser's join is answered "join crashed", after
// which it retries. Either way the crash is logged once, by the channel
// layer, at level ERROR ("channel crashed") with the view's callback that
// failed (op=Mount, op=Render, op="HandleEvent \"save\"",
// op="HandleInfo chat.Posted"), the error, the stack of a panic, and the
// view's route and id; the view's timers and async tasks stop, and
// [Terminator.Terminate] receives the crash wrapped in [ErrViewCrashed]
// (it matches [channel.ErrChannelCrashed] too). On the GET, a Mount that
// fails answers 500 and is logged as "mount failed", with the same op,
// error and stack.
//
// A lost connection ends nothing: its views wait [Options.ResumeFor]
// with their state, subscriptions and timers, still handling their
// messages, and the page's rejoin takes them up where they were. The
// browser then gets only the renders it missed, as patches to what it
// shows, and the events it sent that went unanswered are applied once.
// When that cannot be (the wait ended, the server restarted, the rejoin
// reached another node), the view is mounted anew and the browser
// recovers its forms. [Terminator.Terminate] runs only when the view
// really ends.
//
// # Limits
//
// What one client may cost the server is bounded, each bound a field of
// [Options] with a default: the size of an event (MaxEventBytes), the
// events one connection's views handle a second (EventsPerSecond), the
// views one connection joins (Limits.MaxChannels), and the memory all
// connected views hold together (MaxViewBytes). What one user's actions
// cost everyone else — a message each viewer of a room receives — is the
// application's to bound, per user, with a [RateLimiter]. A view that
// still falls behind its PubSub messages catches up if it is a [Lagger],
// and is remounted otherwise. A page's session stays valid for
// SessionMaxAge: [Options.Authorize] refuses the joins of sessions
// revoked since.
//
// # Client commands
//
// Dropdowns, modals, tabs and toasts need no round trip and no JavaScript:
// [JS] builds [Commands] — show, hide, transitions, classes, attributes,
// focus, events pushed to the view — that the browser runs when a binding
// fires, and [Socket.Exec] sends some from the server. [FocusWrap] keeps
// the keyboard's focus inside a dialog:
//
//	<button live-click={ live.JS().Show("#modal").FocusFirst("#modal") }>Delete…</button>
//
// What commands change stays when the server patches the page, except an
// attribute the server changes itself.
//
// # Streams
//
// A [Stream] holds a list the browser keeps and the server forgets after
// each render: feeds of any length cost a view the same memory. An item
// can be a [Component] that keeps its own state while the browser shows
// it, and replaces its item alone when it changes.
//
// # Async work
//
// Slow data — an API call, a heavy query — blocks neither the page's GET
// nor the view's goroutine when a task loads it on a goroutine of its
// own. An [Async] field holds such a value: [Async.Load] starts the task
// (from Mount or an event) and marks the value loading; when the task
// returns, its value or error reaches the view on the view's goroutine,
// and the view renders again. The template shows the state with a plain
// if on Loading, Failed and OK. [StartAsync] hands a task's result to a
// handler instead, to fill a [Stream] or set several fields;
// [Socket.CancelAsync] and [Async.Cancel] stop a task. These are Phoenix's
// assign_async, start_async, handle_async, cancel_async and stream_async.
//
// A task's context ends when the view ends, when the task is restarted or
// cancelled, and at [Server.Shutdown], which waits for every task: a task
// must honour it. One that does not runs on, and its result is dropped.
// Restarting a task (Load again: a "Retry" button) drops the result of
// the one before, even if it had already finished. A panic in a task fails
// that task's value, not the view.
//
// The GET renders the value loading and does not wait. With
// [Options.MountOnce] the task the GET started carries on into the
// connected view, whose Mount may start it again harmlessly: it is kept.
// Without it, the GET's task is cancelled when the GET ends, and the
// connected Mount starts its own. livetest's View.AwaitAsync waits for
// the results in tests.
//
// # Development
//
// [Options.Dev] is for a developer's machine: a page whose Mount or render
// fails shows the error and its stack instead of a bare 500, and behind
// templ's watch proxy (templ generate --watch --proxy=… --cmd=…) a saved
// .templ or .go file updates the open pages over the live socket, with
// what their forms held, instead of reloading them.
//
// # Forms
//
// A [Form] holds one form of a view: its typed values, the text the user
// typed, the problems the view's own validation found, and which fields
// the user has used, so that [Input], [TextArea], [Checkbox] and [FieldError] show a
// field's problem only once the user has been there. After a reconnect,
// the browser sends the forms it holds and the server replays each as its
// live-change event (form recovery); a form's live-auto-recover attribute
// names another event, or "ignore".
//
// # Observing
//
// An [Observer] in [Options.Observer] is told when each join, Mount,
// HandleParams, event, PubSub message and render of a view starts and
// ends, with its route, duration, error and, for a render, its phases
// and the bytes it sends, as Phoenix's :telemetry events; a connected
// view's life is one more operation. Package otellive turns them into
// OpenTelemetry spans and metrics. A Server without an Observer does
// none of this work.
//
// Whether observed or not, each page keeps a few counters of its own:
// [Server.RouteStats] returns, per registered route, histograms
// ([Latency]) of its events, from the view taking the event to the reply
// that carries its patch, and of its mounts. They cost atomic additions
// per event and mount, and are what a dashboard charts per route.
//
// # Testing
//
// Package livetest drives views in plain go test, over a real connection
// and the real diff, with no browser.
package live
