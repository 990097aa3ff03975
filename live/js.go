package live

import (
	"encoding/json"
	"net/url"
	"strings"
	"time"
)

// Commands is a list of client commands: changes to the page the browser
// makes by itself, with no round trip — show a menu, add a class, move the
// focus — and events it sends, as Phoenix's JS commands do. Build one with
// [JS] and put it in any binding attribute where an event name would go:
//
//	<button live-click={ live.JS().Toggle("#menu") }>Menu</button>
//	<button live-click={ live.JS().Push("delete", nil).Hide("#modal") }>Delete</button>
//
// A Commands value is its wire form, a JSON array of [op, args] pairs
// (docs/PROTOCOL.md, "Client commands"), so templ writes it, escaped, in an
// attribute as it writes a string, and two chains built alike are equal
// with ==. Each method returns a new value and leaves its receiver as it
// was: a base chain shared by several elements cannot be changed by one of
// them. In a spread ([templ.Attributes]), which drops values of types it
// does not know, write c.String().
//
// What commands change on an element (its classes, its style, an
// attribute) stays when the server patches the page, except an attribute
// the server changes itself: see docs/PROTOCOL.md, "Client commands".
type Commands string

// JS returns an empty list of client commands, to chain from.
func JS() Commands { return "[]" }

// A Transition animates a command with CSS classes, as enter and leave
// transitions of Tailwind or Vue are written: the element gets Start and
// Active, then, a frame later, Start is swapped for End, which starts the
// CSS transition; after Time, Active and End are removed.
//
//	fade := live.Transition{Start: "opacity-0", Active: "transition-opacity duration-200", End: "opacity-100", Time: 200 * time.Millisecond}
type Transition struct {
	Start, Active, End string
	// Time is how long the transition runs; zero means 200 ms.
	Time time.Duration
}

// wire is the transition's JSON form: [start, active, end, ms].
func (t Transition) wire() []any {
	return []any{t.Start, t.Active, t.End, t.Time.Milliseconds()}
}

// reversed is the transition that undoes t: a fade in played backwards
// fades out.
func (t Transition) reversed() Transition {
	return Transition{Start: t.End, Active: t.Active, End: t.Start, Time: t.Time}
}

// args are the arguments of one command; the client reads them by these
// JSON names.
type args struct {
	To     string            `json:"to,omitempty"`    // a CSS selector; none means the element itself
	Trans  []any             `json:"tr,omitempty"`    // a Transition
	Out    []any             `json:"out,omitempty"`   // Toggle's transition when it hides
	Names  string            `json:"names,omitempty"` // classes
	Event  string            `json:"event,omitempty"`
	Name   string            `json:"name,omitempty"`  // an attribute
	Value  *string           `json:"value,omitempty"` // an attribute's value, or a push's url-encoded values
	Detail map[string]string `json:"detail,omitempty"`
	Href   string            `json:"href,omitempty"`
	Attrs  []string          `json:"attrs,omitempty"`
	MS     int64             `json:"ms,omitempty"`
}

// add returns c followed by one command.
func (c Commands) add(op string, a args) Commands {
	// Neither half can fail to encode: strings, string maps and numbers.
	o, _ := json.Marshal(op)
	b, _ := json.Marshal(a)
	cmd := "[" + string(o) + "," + string(b) + "]"
	list := strings.TrimSuffix(string(c), "]")
	switch list {
	case "", "[":
		return Commands("[" + cmd + "]")
	}
	return Commands(list + "," + cmd + "]")
}

// first returns the transition given, if any.
func first(ts []Transition) []any {
	if len(ts) == 0 {
		return nil
	}
	return ts[0].wire()
}

// Show shows the elements matching to (the element itself when to is "")
// that CSS hides: it clears their inline display, and sets display: block
// only if their CSS still hides them — so render a hidden element with
// style="display: none" and its own display (flex, grid) comes back. An
// optional Transition animates it. Elements already shown are left alone.
func (c Commands) Show(to string, t ...Transition) Commands {
	return c.add("show", args{To: to, Trans: first(t)})
}

// Hide hides the elements matching to (display: none), after the optional
// Transition has run.
func (c Commands) Hide(to string, t ...Transition) Commands {
	return c.add("hide", args{To: to, Trans: first(t)})
}

// Toggle shows the elements matching to that are hidden and hides those
// that are shown. The first Transition animates showing, the second hiding;
// without a second, hiding plays the first backwards (Start and End
// swapped).
func (c Commands) Toggle(to string, t ...Transition) Commands {
	a := args{To: to, Trans: first(t)}
	switch {
	case len(t) > 1:
		a.Out = t[1].wire()
	case len(t) == 1:
		a.Out = t[0].reversed().wire()
	}
	return c.add("toggle", a)
}

// Transition runs t on the elements matching to, for an effect (a shake, a
// highlight) that changes nothing once it ends.
func (c Commands) Transition(to string, t Transition) Commands {
	return c.add("transition", args{To: to, Trans: t.wire()})
}

// AddClass adds the space-separated classes names to the elements matching
// to.
func (c Commands) AddClass(names, to string) Commands {
	return c.add("add_class", args{To: to, Names: names})
}

// RemoveClass removes the space-separated classes names from the elements
// matching to.
func (c Commands) RemoveClass(names, to string) Commands {
	return c.add("remove_class", args{To: to, Names: names})
}

// ToggleClass adds each of the space-separated classes names the elements
// matching to lack, and removes each they have.
func (c Commands) ToggleClass(names, to string) Commands {
	return c.add("toggle_class", args{To: to, Names: names})
}

// SetAttribute sets an attribute of the elements matching to
// (aria-expanded="true", open=""). The client refuses event handler
// attributes (onclick); as with any attribute, pass no URL a user wrote
// without checking it.
func (c Commands) SetAttribute(name, value, to string) Commands {
	return c.add("set_attr", args{To: to, Name: name, Value: &value})
}

// RemoveAttribute removes an attribute of the elements matching to.
func (c Commands) RemoveAttribute(name, to string) Commands {
	return c.add("remove_attr", args{To: to, Name: name})
}

// IgnoreAttributes makes the named attributes of the elements matching to
// the browser's: the server's patches no longer change them (the open
// attribute of a <details> the user toggles, say). Run it from
// live-mounted.
func (c Commands) IgnoreAttributes(to string, names ...string) Commands {
	return c.add("ignore_attrs", args{To: to, Attrs: names})
}

// Push sends an event to the view, as live-click="event" would: its type
// is the binding's (a push in live-submit carries the form's fields), and
// values are added to the element's live-value-* (nil adds none). From
// bindings that are no DOM event (live-mounted, live-remove,
// live-connected, live-disconnected) and from [Socket.Exec], the type is
// [EventPush].
func (c Commands) Push(event string, values url.Values) Commands {
	a := args{Event: event}
	if len(values) > 0 {
		v := values.Encode()
		a.Value = &v
	}
	return c.add("push", a)
}

// Dispatch fires a DOM CustomEvent named event, which bubbles, on the
// elements matching to, with detail as its detail (nil for none): the
// bridge to a page's own scripts.
func (c Commands) Dispatch(event, to string, detail map[string]string) Commands {
	return c.add("dispatch", args{To: to, Event: event, Detail: detail})
}

// Exec runs the commands held in the attribute attr of the elements
// matching to, so that what closes a modal is written once, on the modal,
// and run from its buttons, its backdrop and the Escape key:
//
//	<div id="modal" data-cancel={ live.JS().Hide("#modal") }>…
//	<button live-click={ live.JS().Exec("data-cancel", "#modal") }>Cancel</button>
func (c Commands) Exec(attr, to string) Commands {
	return c.add("exec", args{To: to, Name: attr})
}

// Focus focuses the first element matching to.
func (c Commands) Focus(to string) Commands { return c.add("focus", args{To: to}) }

// FocusFirst focuses the first element that takes the keyboard's focus
// inside the first element matching to.
func (c Commands) FocusFirst(to string) Commands { return c.add("focus_first", args{To: to}) }

// FocusLast focuses the last element that takes the keyboard's focus
// inside the first element matching to.
func (c Commands) FocusLast(to string) Commands { return c.add("focus_last", args{To: to}) }

// PushFocus remembers the first element matching to — the focused element
// when to is "" — for [Commands.PopFocus]: open a dialog with PushFocus,
// close it with PopFocus, and the focus returns to the button that opened
// it.
func (c Commands) PushFocus(to string) Commands { return c.add("push_focus", args{To: to}) }

// PopFocus focuses the element the last PushFocus remembered.
func (c Commands) PopFocus() Commands { return c.add("pop_focus", args{}) }

// Navigate moves to another live view at href, as a live-navigate link.
// The client ignores a href of another origin (or scheme).
func (c Commands) Navigate(href string) Commands { return c.add("navigate", args{Href: href}) }

// Patch moves this view to href, as a live-patch link.
func (c Commands) Patch(href string) Commands { return c.add("patch", args{Href: href}) }

// Wait delays the commands after it by d: a toast that hides itself after
// a few seconds is Wait then Hide.
func (c Commands) Wait(d time.Duration) Commands {
	return c.add("wait", args{MS: d.Milliseconds()})
}

// String returns the commands' wire form, the attribute's value.
func (c Commands) String() string {
	if c == "" {
		return "[]"
	}
	return string(c)
}
