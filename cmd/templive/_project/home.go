package main

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"
	"github.com/templive/templive/live"
)

// Home is the app's first page: a counter, and a form that greets whoever
// fills it in, checking the name as it is typed. Its fields are its state;
// each event the browser sends runs HandleEvent on the server, and the
// page gets a patch.
type Home struct {
	Count   int
	Name    string // what the form holds
	Problem string // what is wrong with Name, if anything
}

// Mount runs for the page's GET and again when the browser connects.
func (h *Home) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	s.SetTitle(appName)
	return nil
}

func (h *Home) Render() templ.Component { return homePage(h) }

// greeting holds the fields of the greeting form.
type greeting struct {
	Name string `form:"name"`
}

func (h *Home) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		h.Count++
	case "dec":
		h.Count--
	case "validate", "greet": // live-change, live-submit
		var f greeting
		if err := ev.Decode(&f); err != nil {
			return err
		}
		h.Name, h.Problem = f.Name, checkName(f.Name)
		if ev.Name == "greet" && h.Problem == "" {
			s.PutFlash("info", "Hello, "+strings.TrimSpace(h.Name)+"!")
		}
	}
	return nil
}

// checkName returns what is wrong with a name, or "".
func checkName(name string) string {
	switch n := utf8.RuneCountInString(strings.TrimSpace(name)); {
	case n == 0:
		return "Please enter your name."
	case n > 40:
		return "Please use at most 40 characters."
	}
	return ""
}
