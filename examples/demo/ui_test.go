package main

import (
	"net/url"
	"testing"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// The /ui page's commands, read and run without a browser.

func TestUIButtonsCarryTheCommandsThatOpenAndCloseTheModal(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/ui")
	tests := []struct {
		name         string
		sel, binding string
		want         live.Commands
	}{
		{"the button opens the modal and moves the focus into it", "#open-modal", "click", openModal},
		{"the modal says once how it closes", "#modal", "data-cancel", closeModal},
		{"Escape closes it", "#modal", "window-keydown", cancel},
		{"a click beside the dialog closes it", "#modal-dialog", "click-away", cancel},
		{"Cancel closes it", "#modal-cancel", "click", cancel},
		{"Delete pushes an event and closes it", "#modal-confirm", "click", live.JS().Push("delete", nil).Exec("data-cancel", "#modal")},
		{"the menu button toggles the menu", "#menu-button", "click", live.JS().Toggle("#menu", fadeIn, fadeOut)},
		{"a click away hides the menu", "#menu-wrap", "click-away", live.JS().Hide("#menu", fadeOut)},
		{"an item hides the menu and pushes its choice", "#pick-Archive", "click", pick("Archive")},
	}
	for _, tt := range tests {
		if got := v.Commands(tt.sel, tt.binding); got != tt.want {
			t.Errorf("%s: %s %s runs\n%s\nwant\n%s", tt.name, tt.sel, tt.binding, got, tt.want)
		}
	}
	if key, _ := v.Attr("#modal", "live-key"); key != "Escape" {
		t.Errorf("the modal's window keydown is for %q", key)
	}
}

func TestUIConfirmDeletesAndTheToastClearsTheFlash(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/ui")
	v.Run("#open-modal", "click") // client-side only
	if v.Has("#toast") || v.Text("#deleted") != "0" {
		t.Fatal("opening the modal reached the server")
	}
	v.Run("#modal-confirm", "click")
	if got := v.Text("#deleted"); got != "1" {
		t.Fatalf("deleted = %s", got)
	}
	if got := v.Text("#toast-text"); got != "Deleted item #1" {
		t.Fatalf("toast = %q", got)
	}
	// The toast's timer pushes the runtime's live:clear-flash from live-mounted.
	if got, want := v.Commands("#toast", "mounted"), live.JS().Transition("", fadeIn).Wait(toastFor).Push(live.ClearFlashEvent, url.Values{"kind": {"info"}}); got != want {
		t.Errorf("the toast runs %s, want %s", got, want)
	}
	v.Run("#toast", "mounted")
	if v.Has("#toast") {
		t.Fatal("the flash is still shown")
	}
}

func TestUIPickRunsAHighlightFromTheServer(t *testing.T) {
	t.Parallel()
	v := livetest.Mount(t, newTestLive(t), "/ui")
	v.Execs() // whatever came with the join
	v.Run("#pick-Archive", "click")
	if got := v.Text("#picked"); got != "Archive" {
		t.Fatalf("picked %q", got)
	}
	if got := v.Execs(); len(got) != 1 || got[0] != live.JS().Transition("#picked", highlight) {
		t.Fatalf("the server ran %q", got)
	}
}
