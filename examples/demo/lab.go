package main

import (
	"context"
	"net/url"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// Lab shows the client's rate limits and hooks at work.
type Lab struct {
	SearchEvents int
	Query        string
	BurstEvents  int
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

// Render shows the lab.
func (v *Lab) Render() templ.Component { return labView(v) }

// HandleEvent counts what arrives and talks to the hook.
func (v *Lab) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "search":
		v.SearchEvents++
		v.Query = ev.Value("q")
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
