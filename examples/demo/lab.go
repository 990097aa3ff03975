package main

import (
	"context"
	"net/url"
	"slices"
	"strconv"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// Lab shows the client's rate limits, key events, form recovery and hooks
// at work.
type Lab struct {
	SearchEvents int
	Query        string
	Key, KeyText string // the last live-keyup: its key and the field's value
	BurstEvents  int
	Page, Per    int    // the pager, from the URL
	Note, NoteBy string // the note, and the event that set it
	ShowHook     bool
	Version      int
	Pings        int
	HookSaid     string
}

// Mount shows the hook.
func (v *Lab) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.ShowHook = true
	s.SetTitle("Client lab · templive demo")
	return nil
}

// HandleParams reads the pager from the URL, which a reconnect keeps: the
// page-size form does not need recovering (live-auto-recover="ignore"), and
// replaying its change would send the user back to the first page.
func (v *Lab) HandleParams(ctx context.Context, s *live.Socket, params url.Values) error {
	v.Page, _ = strconv.Atoi(params.Get("page"))
	v.Page = max(v.Page, 1)
	v.Per, _ = strconv.Atoi(params.Get("per"))
	if !slices.Contains(pageSizes, v.Per) {
		v.Per = pageSizes[0]
	}
	return nil
}

// pageSizes are the pager's choices.
var pageSizes = []int{10, 25, 50}

// Render shows the lab.
func (v *Lab) Render() templ.Component { return labView(v) }

// HandleEvent counts what arrives and talks to the hook.
func (v *Lab) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "search":
		v.SearchEvents++
		v.Query = ev.Value("q")
	case "keyup":
		v.Key, v.KeyText = ev.Key, ev.Value("value")
	case "page-size": // a new page size starts from the first page
		s.PushPatch("/lab?per=" + url.QueryEscape(ev.Value("per")))
	case "note":
		v.Note, v.NoteBy = ev.Value("note"), "typed"
	case "recover-note": // the note form's live-auto-recover: a reconnect replays this
		v.Note, v.NoteBy = ev.Value("note"), "recovered after a reconnect"
	case "burst":
		v.BurstEvents++
	case "ping":
		v.Pings++
		s.PushEvent("ping", map[string]int{"n": v.Pings})
	case "bump":
		v.Version++
	case "toggle":
		v.ShowHook = !v.ShowHook
	case "hello": // pushed by the hook when it mounts
		var p struct {
			Greeting string `json:"greeting"`
		}
		if err := ev.Decode(&p); err != nil {
			return nil
		}
		v.HookSaid = p.Greeting
		s.Reply(map[string]string{"answer": "hello, hook"})
	}
	return nil
}
