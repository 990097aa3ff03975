package livetest_test

import (
	"context"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// modalView has a modal whose cancel commands are defined once, on the
// modal, and run by its buttons; a confirm that pushes an event; a form
// whose submit pushes with the form's fields.
type modalView struct{ got []live.Event }

var (
	openModal  = live.JS().Show("#modal").FocusFirst("#modal")
	closeModal = live.JS().Hide("#modal")
)

func (v *modalView) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *modalView) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		attr := func(c live.Commands) string { return `"` + templ.EscapeString(c.String()) + `"` }
		var names []string
		for _, e := range v.got {
			names = append(names, e.Type+":"+e.Name+":"+e.Values.Encode())
		}
		_, err := io.WriteString(w, `<button id="open" live-click=`+attr(openModal)+`>Delete</button>`+
			`<div id="modal" style="display: none" data-cancel=`+attr(closeModal.Push("closed", nil))+`>`+
			`<button id="confirm" live-value-id="7" live-click=`+attr(live.JS().Push("delete", url.Values{"sure": {"yes"}}).Exec("data-cancel", "#modal"))+`>Yes</button>`+
			`<button id="cancel" live-click=`+attr(live.JS().Exec("data-cancel", "#modal"))+`>No</button>`+
			`<form id="f" live-submit=`+attr(live.JS().Push("save", nil))+`><input name="title" value="draft"></form>`+
			`<button id="plain" live-click="delete">x</button>`+
			`</div><p id="got">`+templ.EscapeString(strings.Join(names, " "))+`</p>`)
		return err
	})
}

func (v *modalView) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	v.got = append(v.got, ev)
	return nil
}

func TestCommandsReadWhatAnElementRuns(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Page("/modal", func() live.View { return &modalView{} })
	v := livetest.Mount(t, srv, "/modal")
	if got, want := v.Commands("#open", "click"), live.JS().Show("#modal").FocusFirst("#modal"); got != want {
		t.Errorf("#open runs %s, want %s", got, want)
	}
	if got, want := v.Commands("#modal", "data-cancel"), closeModal.Push("closed", nil); got != want {
		t.Errorf("data-cancel holds %s, want %s", got, want)
	}
	if got := v.Commands("#cancel", "live-click"); got != live.JS().Exec("data-cancel", "#modal") {
		t.Errorf("#cancel runs %s", got)
	}
}

func TestRunSendsThePushesOfCommandsAndFollowsExec(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Page("/modal", func() live.View { return &modalView{} })
	v := livetest.Mount(t, srv, "/modal")
	v.Run("#open", "click") // only changes the page: nothing reaches the server
	if got := v.Text("#got"); got != "" {
		t.Fatalf("opening the modal sent %q", got)
	}
	v.Run("#confirm", "click")
	if got, want := v.Text("#got"), "click:delete:id=7&sure=yes click:closed:"; got != want {
		t.Fatalf("confirm sent %q, want %q", got, want)
	}
	v.Run("#f", "submit")
	if got := v.Text("#got"); !strings.HasSuffix(got, " submit:save:title=draft") {
		t.Fatalf("the form's push sent %q, want its fields", got)
	}
}
