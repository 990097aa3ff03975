package main

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// UI shows client commands: a dropdown, a modal dialog, a toast and a copy
// button that open, close and animate in the browser with no round trip,
// while a clock re-renders another part of the page every second.
type UI struct {
	Picked  string // the dropdown's last choice
	Deleted int    // deletions confirmed in the modal
	Ticks   int    // the clock's re-renders
}

// tick is the clock's message to itself.
type tick struct{}

// menuItems are the dropdown's choices.
var menuItems = []string{"Rename", "Duplicate", "Archive"}

// toastFor is how long a flash shows before it dismisses itself.
const toastFor = 3 * time.Second

// The transitions of the page, Tailwind-style classes from demo.css.
var (
	fadeIn  = live.Transition{Start: "transparent", Active: "fading", End: "opaque", Time: 200 * time.Millisecond}
	fadeOut = live.Transition{Start: "opaque", Active: "fading", End: "transparent", Time: 200 * time.Millisecond}
	// highlight starts yellow and fades to nothing.
	highlight = live.Transition{Start: "highlight", Active: "fading-bg", Time: 600 * time.Millisecond}
)

// The modal's commands: what closes it is written once, on the modal, and
// run by its buttons, a click beside it and Escape (data-cancel).
var (
	openModal  = live.JS().PushFocus("").Show("#modal", fadeIn).FocusFirst("#modal-dialog")
	closeModal = live.JS().Hide("#modal", fadeOut).PopFocus()
	cancel     = live.JS().Exec("data-cancel", "#modal")
)

// Mount starts the clock once connected.
func (v *UI) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	s.SetTitle("Client UI · templive demo")
	s.SendAfter(time.Second, tick{})
	return nil
}

// Render shows the page.
func (v *UI) Render() templ.Component { return uiView(v) }

// HandleEvent runs what the commands push: a choice, a confirmed
// deletion. (The toast's live:clear-flash is the runtime's.)
func (v *UI) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "pick":
		v.Picked = ev.Value("item")
		// The server runs a command too: the new choice lights up.
		s.Exec(live.JS().Transition("#picked", highlight))
	case "delete":
		v.Deleted++
		s.PutFlash("info", "Deleted item #"+strconv.Itoa(v.Deleted))
	}
	return nil
}

// HandleInfo ticks the clock.
func (v *UI) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if _, ok := msg.(tick); ok {
		v.Ticks++
		s.SendAfter(time.Second, tick{})
	}
	return nil
}

// clearToast dismisses the toast: the runtime's live:clear-flash, which
// clears the info flash without the view's HandleEvent.
var clearToast = live.JS().Push(live.ClearFlashEvent, url.Values{"kind": {"info"}})

// pick is the command of a dropdown item.
func pick(item string) live.Commands {
	return live.JS().Hide("#menu", fadeOut).Push("pick", url.Values{"item": {item}})
}

// flashInfo returns the view's info flash.
func flashInfo(ctx context.Context) string {
	if s := live.SocketFrom(ctx); s != nil {
		return s.Flash("info")
	}
	return ""
}

// pageURL returns the page's own URL, for the copy button.
func pageURL(ctx context.Context) string {
	if s := live.SocketFrom(ctx); s != nil && s.URL() != nil {
		return s.URL().String()
	}
	return ""
}
