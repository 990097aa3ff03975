package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// The notification bell: a live view of its own (BellLive, route
// bellPath) whose root the layout renders at the end of every page, so
// that the page's client joins it next to the page's view. Until the
// framework renders one view inside another's layout, the layout gets
// the bell's root by serving bellPath to itself (bellSlot.render): the
// bell is then an ordinary page of the live server, mounted once and
// adopted by its join, and moving it into a sticky view later means
// deleting this file's plumbing, not changing BellLive.

// bellPath is the bell's route.
const bellPath = "/_bell"

// bellSize is how many notifications the dropdown lists.
const bellSize = 8

// BellLive is one tab's bell: the unread count and the latest
// notifications of the signed-in user, live.
type BellLive struct {
	User   string
	Items  []Notification
	Unread int
	Upto   int64 // the highest id read
	Open   bool

	notes *notifier
}

// Mount lists the user's notifications and, once connected, follows their
// topics.
func (b *BellLive) Mount(ctx context.Context, s *live.Socket, _ url.Values) error {
	b.User = s.Session().Get("user")
	if b.User == "" {
		return nil
	}
	if s.Connected() {
		for _, t := range b.notes.topics(b.User) {
			if err := s.Subscribe(t); err != nil {
				return err
			}
		}
	}
	return b.load(ctx)
}

func (b *BellLive) load(ctx context.Context) error {
	var err error
	b.Items, b.Unread, b.Upto, err = b.notes.recent(ctx, b.User, bellSize)
	return err
}

// Render draws the bell.
func (b *BellLive) Render() templ.Component { return bellView(b) }

// HandleEvent opens and closes the list, and marks everything read.
func (b *BellLive) HandleEvent(ctx context.Context, _ *live.Socket, ev live.Event) error {
	if b.User == "" {
		return nil
	}
	switch ev.Name {
	case "toggle":
		b.Open = !b.Open
	case "read":
		if len(b.Items) == 0 {
			return nil
		}
		b.Unread, b.Upto = 0, b.Items[0].ID
		return b.notes.markRead(ctx, b.User, b.Items[0].ID)
	}
	return nil
}

// HandleInfo takes a new notification, or the news that another tab
// marked them read.
func (b *BellLive) HandleInfo(ctx context.Context, _ *live.Socket, msg any) error {
	switch m := msg.(type) {
	case Notification:
		if len(b.Items) > 0 && m.ID <= b.Items[0].ID {
			return nil // listed already (it was stored before this bell loaded)
		}
		b.Items = append([]Notification{m}, b.Items...)
		if len(b.Items) > bellSize {
			b.Items = b.Items[:bellSize]
		}
		if m.ID > b.Upto {
			b.Unread++
		}
	case notificationsRead:
		if m.Upto > b.Upto {
			return b.load(ctx)
		}
	}
	return nil
}

// Lagged reloads after a burst overflowed the mailbox.
func (b *BellLive) Lagged(ctx context.Context, _ *live.Socket, _ uint64) error {
	return b.load(ctx)
}

// bellKey is the context key of a page request's bellSlot.
type bellKey struct{}

// bellSlot renders the bell of the page being served.
type bellSlot struct {
	r     *http.Request // the page's request
	h     http.Handler  // the live server
	inner bool          // this is the bell's own request: render no bell inside
}

// withBell gives the pages h serves a bell (see bellOf).
func withBell(lv http.Handler, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := r.Context().Value(bellKey{}).(*bellSlot); !ok {
			r = r.WithContext(context.WithValue(r.Context(), bellKey{}, &bellSlot{r: r, h: lv}))
		}
		h.ServeHTTP(w, r)
	})
}

// bellRequest reports whether ctx is the bell's own page request, whose
// layout is its root alone.
func bellRequest(ctx context.Context) bool {
	s, _ := ctx.Value(bellKey{}).(*bellSlot)
	return s != nil && s.inner
}

// bell renders the signed-in user's bell, as a live root, on the pages
// of live views, or nothing. (The Channels pages render no CSRF token,
// which the live socket needs.)
func bell() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		s, _ := ctx.Value(bellKey{}).(*bellSlot)
		if s == nil || s.inner || live.SocketFrom(ctx) == nil || currentUser(ctx) == "" {
			return nil
		}
		return s.render(w)
	})
}

// render serves bellPath with the page's cookies and writes its root,
// marked to join with the bell's route rather than the page's URL.
func (s *bellSlot) render(w io.Writer) error {
	inner := &bellSlot{inner: true}
	r := s.r.Clone(context.WithValue(s.r.Context(), bellKey{}, inner))
	r.Method = http.MethodGet
	r.URL = &url.URL{Path: bellPath}
	r.RequestURI = bellPath
	r.Body = http.NoBody
	rec := &bufferedResponse{header: http.Header{}}
	s.h.ServeHTTP(rec, r)
	if rec.status != 0 && rec.status != http.StatusOK {
		return nil // the page works without its bell
	}
	root, ok := bytes.CutPrefix(rec.body.Bytes(), []byte("<div "))
	if !ok {
		return nil
	}
	_, err := fmt.Fprintf(w, `<div data-live-url="%s" %s`, bellPath, root)
	return err
}

// bufferedResponse keeps what a handler writes.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }
