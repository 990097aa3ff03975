package main

import (
	"context"
	"errors"
	"net/url"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// AdminLive is /admin: a form that sends a notification to every user at
// once (everyoneNotifications), for the users the -admins flag names.
type AdminLive struct {
	User    string
	Admin   bool
	Draft   string
	Sent    string // what was last sent, for the confirmation
	Problem string

	notes *notifier
}

// Mount says who may use the form.
func (v *AdminLive) Mount(_ context.Context, s *live.Socket, _ url.Values) error {
	v.User = s.Session().Get("user")
	v.Admin = v.notes.isAdmin(v.User)
	s.SetTitle("Admin · templive demo")
	return nil
}

// Render shows the form, or why there is none.
func (v *AdminLive) Render() templ.Component { return adminView(v) }

// HandleEvent sends the broadcast.
func (v *AdminLive) HandleEvent(ctx context.Context, _ *live.Socket, ev live.Event) error {
	if !v.Admin || ev.Name != "broadcast" {
		return nil
	}
	body := ev.Value("body")
	nt, err := v.notes.notify(ctx, everyoneNotifications, body, "")
	if errors.Is(err, errEmptyNotification) {
		v.Draft, v.Problem = body, "Write something to send."
		return nil
	} else if err != nil {
		return err
	}
	v.Draft, v.Problem, v.Sent = "", "", nt.Body
	return nil
}
