package livetest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/templive/templive/live"
	"github.com/templive/templive/render"
	"github.com/templive/templive/render/pretty"
)

// Commands returns the client commands ([live.Commands]) an element
// carries in a binding, so a test can check that a button opens a modal
// without a browser:
//
//	if got, want := v.Commands("#open", "click"), live.JS().Show("#modal"); got != want {
//		t.Errorf("#open runs %s, want %s", got, want)
//	}
//
// binding is an attribute's name ("live-click", "data-cancel") or a
// binding's without its live- prefix ("click", "click-away", "mounted").
// The test fails if no element matches sel, or if the attribute is missing
// or holds no list of commands.
func (v *View) Commands(sel, binding string) live.Commands {
	v.t.Helper()
	el := one(v.t, v.tree, sel)
	c, _, err := commandsOf(el, attrName(binding))
	if err != nil {
		v.t.Fatalf("livetest: %s: %v:\n%s", sel, err, pretty.HTML(el.AppendHTML(nil)))
	}
	return c
}

// Execs returns the client commands the view sent with
// [live.Socket.Exec] so far, and forgets them.
func (v *View) Execs() []live.Commands {
	var out []live.Commands
	for _, x := range v.execs {
		out = append(out, live.Commands(x))
	}
	v.execs = nil
	return out
}

// Run runs the client commands in a binding of the element matching sel
// as far as the server can see them: each Push sends its event, as the
// browser would — the binding's type ([live.EventPush] for live-mounted,
// live-remove, live-connected and live-disconnected), the element's
// live-value-* (a form's fields for live-submit and live-change) and the
// push's values — and waits for its reply; each Exec runs the commands of
// the attribute it names on the elements its selector matches. Commands
// that only change the page in the browser are skipped.
func (v *View) Run(sel, binding string) {
	v.t.Helper()
	attr := attrName(binding)
	v.run(one(v.t, v.tree, sel), sel, attr, bindingType(attr), 0)
}

// maxExecDepth bounds Exec chains, which could name each other forever.
const maxExecDepth = 16

// run sends the pushes of el's attr commands as typ events.
func (v *View) run(el *render.Node, sel, attr, typ string, depth int) {
	v.t.Helper()
	if depth > maxExecDepth {
		v.t.Fatalf("livetest: %s: Exec runs commands more than %d deep; do two attributes exec each other?", sel, maxExecDepth)
	}
	_, cmds, err := commandsOf(el, attr)
	if err != nil {
		v.t.Fatalf("livetest: %s: %v:\n%s", sel, err, pretty.HTML(el.AppendHTML(nil)))
	}
	for _, c := range cmds {
		switch c.op {
		case "push":
			vals := liveValues(el)
			if typ == live.EventSubmit || typ == live.EventChange {
				vals = formValues(el, nil)
			}
			extra, err := url.ParseQuery(c.args.Value)
			if err != nil {
				v.t.Fatalf("livetest: %s: push %q: values %q: %v", sel, c.args.Event, c.args.Value, err)
			}
			for k, vs := range extra {
				vals[k] = append(vals[k], vs...)
			}
			v.on(el, bindingEvent(typ, c.args.Event, vals))
		case "exec":
			targets := []*render.Node{el}
			if c.args.To != "" {
				targets = query(v.t, v.tree, c.args.To)
			}
			for _, t := range targets {
				v.run(t, c.args.To, c.args.Name, typ, depth+1)
			}
		}
	}
}

// command is one decoded client command: its op and the arguments the
// server reads.
type command struct {
	op   string
	args struct {
		To    string `json:"to"`
		Name  string `json:"name"`
		Value string `json:"value"`
		Event string `json:"event"`
	}
}

// commandsOf returns the commands in el's attribute attr, encoded and
// decoded. A missing attribute holds none.
func commandsOf(el *render.Node, attr string) (live.Commands, []command, error) {
	raw, ok := el.Attr(attr)
	if !ok {
		return "", nil, fmt.Errorf("no %s attribute", attr)
	}
	var list [][]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		return "", nil, fmt.Errorf("%s holds no list of client commands (%v): %s", attr, err, raw)
	}
	cmds := make([]command, len(list))
	for i, pair := range list {
		if len(pair) != 2 || json.Unmarshal(pair[0], &cmds[i].op) != nil || json.Unmarshal(pair[1], &cmds[i].args) != nil {
			return "", nil, fmt.Errorf("%s: command %d is no [op, args]: %s", attr, i, raw)
		}
	}
	return live.Commands(raw), cmds, nil
}

// attrName returns the attribute of a binding named with or without its
// live- prefix.
func attrName(binding string) string {
	if strings.HasPrefix(binding, "live-") || strings.HasPrefix(binding, "data-") {
		return binding
	}
	return "live-" + binding
}

// bindingType returns the type of the events a binding's pushes send.
func bindingType(attr string) string {
	name := strings.TrimPrefix(strings.TrimPrefix(attr, "live-"), "window-")
	switch name {
	case "click", "click-away":
		return live.EventClick
	case live.EventSubmit, live.EventChange, live.EventBlur, live.EventFocus, live.EventKeyDown, live.EventKeyUp:
		return name
	}
	return live.EventPush
}
