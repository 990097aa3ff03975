package main

import (
	"context"
	"log/slog"
	"net/url"

	"github.com/a-h/templ"

	"github.com/templive/templive/examples/demo/content"
	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/dashboard"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// page is one entry of the home page's index.
type page struct {
	Path, Title, About string
	SignIn             bool // the page needs a signed-in user
}

// pages lists the demo's pages on the home page.
var pages = []page{
	{Path: "/counter", Title: "Counter", About: "a view is a struct; clicks run on the server"},
	{Path: "/signup", Title: "Sign up", About: "a form validated on every change"},
	{Path: "/feed", Title: "Feed", About: "posts in SQLite, streamed to every viewer (streams + PubSub)"},
	{Path: "/photos", Title: "Photos", About: "upload hundreds of images at once: drag and drop, previews, progress, cancel (uploads)", SignIn: true},
	{Path: "/lab", Title: "Client lab", About: "debounce, throttle and a client hook"},
	{Path: "/panels", Title: "Panels", About: "a dashboard whose panels load asynchronously: one slow, one failing with a retry"},
	{Path: "/ui", Title: "Client UI", About: "a dropdown, a modal, a toast and a copy button with no round trip (client commands)"},
	{Path: "/dashboard", Title: "Dashboard", About: "the server itself, live: node figures and charts, PubSub topics, connected views (an operator page, with PubSub)", SignIn: true},
	{Path: "/rooms/1", Title: "Room 1", About: "chat with a live “who is online” list (Presence)", SignIn: true},
	{Path: "/chat", Title: "Lobby (Channels)", About: "the JS Channels API and Presence helpers against the Phoenix-compatible RoomChannel", SignIn: true},
	{Path: "/board", Title: "Board (Channels)", About: "a shared canvas: everyone's cursor and strokes as they move, binary frames, presence", SignIn: true},
}

// liveOptions is what the demo's live views need.
type liveOptions struct {
	Secret  []byte
	PubSub  *pubsub.PubSub
	Auth    *auth
	Tracker *presence.Tracker[RoomMeta]
	Rooms   *rooms
	Store   *content.Store
	Notes   *notifier
	Media   *media
	Limits  *limits
	Logger  *slog.Logger
	Panels  panelTimings // the panels' backends; zero for the demo's delays
	// MaxViewBytes is live.Options.MaxViewBytes.
	MaxViewBytes int64
	// Dev opens the dashboard to anyone; otherwise it needs a signed-in
	// user.
	Dev bool
	// Observer is live.Options.Observer.
	Observer live.Observer
	// Compression is live.Options.Compression.
	Compression channel.Compression
}

// newLive builds the live server with the demo's pages, one per pattern of
// the brief.
func newLive(opts liveOptions) (*live.Server, *dashboard.Dashboard, error) {
	lv := live.NewServer(live.Options{
		Secret:    opts.Secret,
		PubSub:    opts.PubSub,
		Layout:    func(title string) templ.Component { return liveLayout(title, bell(opts.Notes)) },
		Session:   opts.Auth.session,
		SocketID:  liveSocketID,
		Logger:    opts.Logger,
		MountOnce: true,
		// Without GOMEMLIMIT the library sets no cap; main's -max-view-mb
		// sets one.
		MaxViewBytes: opts.MaxViewBytes,
		Observer:     opts.Observer,
		Compression:  opts.Compression,
	})
	lv.Page("/{$}", func() live.View { return &Home{} })
	lv.Page("/counter", func() live.View { return &Counter{} })
	lv.Page("/signup", func() live.View { return &Signup{} })
	lv.Page("/signin", func() live.View { return &Signin{} })
	lv.Page("/lab", func() live.View { return &Lab{} })
	lv.Page("/ui", func() live.View { return &UI{} })
	lv.Page("/feed", func() live.View {
		return &FeedLive{store: opts.Store, media: opts.Media, limits: opts.Limits, notes: opts.Notes}
	})
	lv.Page("/photos", func() live.View { return &PhotosLive{media: opts.Media} })
	panels := opts.Panels.withDefaults()
	lv.Page("/panels", func() live.View { return &Panels{timings: panels} })
	lv.Page(bellPath, func() live.View { return &BellLive{notes: opts.Notes} })
	lv.Page("/admin", func() live.View { return &AdminLive{notes: opts.Notes} })
	// The pages for signed-in users form a group whose mount hook checks,
	// so that no page of it can forget to.
	lv.OnMount("members", requireSignIn)
	lv.Page("/rooms/{id}", func() live.View { return &RoomLive{tracker: opts.Tracker, rooms: opts.Rooms, limits: opts.Limits} }, live.Group("members"))
	dash, err := dashboard.Mount(lv, "/dashboard", dashboard.Options{
		Allow:    func(s *live.Socket) bool { return opts.Dev || s.Session().Get("user") != "" },
		Denied:   "/signin?next=/dashboard",
		Presence: []dashboard.Presence{opts.Tracker},
	})
	return lv, dash, err
}

// requireSignIn is the mount hook of the pages for signed-in users: it
// sends a visitor who is not to the sign-in page, which brings them back,
// and gives the view its user.
func requireSignIn(ctx context.Context, s *live.Socket, v live.View, params url.Values) error {
	user := s.Session().Get("user")
	if user == "" {
		s.Redirect("/signin?next=" + url.QueryEscape(s.URL().Path))
		return nil
	}
	if u, ok := v.(interface{ SetUser(string) }); ok {
		u.SetUser(user)
	}
	return nil
}

// Home is the demo's index.
type Home struct {
	flash string
}

// Mount shows the flash a redirect carried here.
func (h *Home) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	h.flash = s.Flash("error")
	s.SetTitle("templive demo")
	return nil
}

// Render lists the pages.
func (h *Home) Render() templ.Component { return homeView(h) }
