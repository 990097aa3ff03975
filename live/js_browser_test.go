package live_test

import (
	"context"
	"io"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/browsertest"
	"github.com/templive/templive/live"
)

// lazyCommandsView has no client commands in its first render: a click on
// #exec makes the server send some with Socket.Exec, and a click on #reveal
// renders a button that holds some (with ?cmds=1, the first render has it).
type lazyCommandsView struct{ revealed bool }

func (v *lazyCommandsView) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.revealed = params.Get("cmds") != ""
	return nil
}

func (v *lazyCommandsView) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		out := `<div id="box" style="display: none">box</div>` +
			`<button id="exec" live-click="exec">exec</button><button id="reveal" live-click="reveal">reveal</button>`
		if v.revealed {
			out += `<button id="show" live-click="` + templ.EscapeString(live.JS().Show("#box").String()) + `">show</button>`
		}
		_, err := io.WriteString(w, out)
		return err
	})
}

func (v *lazyCommandsView) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "exec":
		s.Exec(live.JS().AddClass("pushed", "#box").Show("#box"))
	case "reveal":
		v.revealed = true
	}
	return nil
}

// loadedCommandsJS is how many times the page fetched the commands module.
const loadedCommandsJS = `performance.getEntriesByType("resource").filter(e => e.name.endsWith("/live/templive-commands.js")).length`

// TestTheCommandsModuleLoadsOnlyWhenCommandsRun opens pages of the IIFE
// client (the script the server serves) and checks that the commands
// module is fetched when a render holds commands (the first, or a patch),
// or when the server sends some, and never otherwise.
func TestTheCommandsModuleLoadsOnlyWhenCommandsRun(t *testing.T) {
	open := func(t *testing.T, query string) *browsertest.Tab {
		srv, _ := newServer(t, live.Options{}, func() live.View { return &lazyCommandsView{} })
		ts := httptest.NewServer(srv)
		t.Cleanup(ts.Close)
		tab := browsertest.New(t).NewTab(t)
		tab.Navigate(ts.URL + "/counter" + query)
		tab.Wait(`document.querySelector("[data-live-root].live-connected") != null`)
		return tab
	}
	count := func(t *testing.T, tab *browsertest.Tab) int {
		t.Helper()
		var n float64
		tab.Eval(loadedCommandsJS, &n)
		return int(n)
	}

	t.Run("a patch that brings commands loads it before the user clicks", func(t *testing.T) {
		tab := open(t, "")
		if n := count(t, tab); n != 0 {
			t.Fatalf("a page without commands fetched the module %d times", n)
		}
		tab.Click("#reveal")
		tab.Wait(`document.querySelector("#show") != null`)
		tab.Wait(loadedCommandsJS + ` == 1`)
		tab.Click("#show")
		tab.Wait(`document.querySelector("#box").checkVisibility()`)
		if n := count(t, tab); n != 1 {
			t.Fatalf("the module was fetched %d times, want once", n)
		}
	})
	t.Run("the first render's commands load it before the user clicks", func(t *testing.T) {
		tab := open(t, "?cmds=1")
		tab.Wait(loadedCommandsJS + ` == 1`)
		tab.Click("#show")
		tab.Wait(`document.querySelector("#box").checkVisibility()`)
	})
	t.Run("commands the server sends load it and run in order", func(t *testing.T) {
		tab := open(t, "")
		if n := count(t, tab); n != 0 {
			t.Fatalf("a page without commands fetched the module %d times", n)
		}
		tab.Click("#exec")
		tab.Wait(`document.querySelector("#box").checkVisibility() && document.querySelector("#box").className == "pushed"`)
		if n := count(t, tab); n != 1 {
			t.Fatalf("the module was fetched %d times, want once", n)
		}
	})
}
