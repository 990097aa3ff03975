package main

import (
	"context"
	"io"
	"net/url"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// The notification bell: a live view of its own (BellLive) that the
// layout nests, sticky, at the end of every page of a signed-in user
// (bell), so that it follows its user's notifications with its own
// goroutine and keeps its state across live navigation.

// bellPath is the bell alone, as a page: what the cluster tests join.
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

// bell renders the signed-in user's bell: a sticky view nested in the
// layout, which keeps its state while the user navigates live between
// pages, or nothing on pages with no live view or no user.
func bell(notes *notifier) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if live.SocketFrom(ctx) == nil || currentUser(ctx) == "" {
			return nil
		}
		return live.Nested("bell", &BellLive{notes: notes}, live.NestedOptions{Sticky: true}).Render(ctx, w)
	})
}
