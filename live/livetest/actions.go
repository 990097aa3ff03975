package livetest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live"
	"github.com/templive/templive/render"
	"github.com/templive/templive/render/pretty"
)

// bindingEvent returns the event a binding of type typ named name sends
// with values. A hook event made this way carries the url-encoded values
// as its payload, a JSON string.
func bindingEvent(typ, name string, values url.Values) wire.Event {
	ev := wire.Event{Type: typ, Name: name, Values: values}
	if typ == wire.TypeHook {
		ev.Payload, _ = wire.Marshal(values.Encode()) // a string always encodes
	}
	return ev
}

// TryEvent sends an event like [View.Event] but returns what went wrong —
// a refusal, or the view crashing — instead of failing the test.
func (v *View) TryEvent(typ, name string, values url.Values) error {
	v.t.Helper()
	_, err := v.tryPush(wire.ClientEvent, bindingEvent(typ, name, values).AppendJSON(nil))
	return err
}

// TryEventTo sends an event like [View.TryEvent] to the view's component
// id, as a binding inside it would; "" is the view.
func (v *View) TryEventTo(id, typ, name string, values url.Values) error {
	v.t.Helper()
	ev := bindingEvent(typ, name, values)
	ev.Component = id
	_, err := v.tryPush(wire.ClientEvent, ev.AppendJSON(nil))
	return err
}

// event sends a binding's event and waits for its reply.
func (v *View) event(ev wire.Event) json.RawMessage {
	v.t.Helper()
	return v.push(wire.ClientEvent, ev.AppendJSON(nil))
}

// on sends the event ev of el, an element of the view, to the component
// around el or to the view, as the browser does, and waits for its reply.
func (v *View) on(el *render.Node, ev wire.Event) json.RawMessage {
	v.t.Helper()
	ev.Component, _ = wire.EventTarget(v.tree, el)
	return v.event(ev)
}

// binding returns the element matching sel and its attr binding's event
// name; the test fails if either is missing.
func (v *View) binding(sel, attrName string) (*render.Node, string) {
	v.t.Helper()
	el := one(v.t, v.tree, sel)
	name, ok := el.Attr(attrName)
	if !ok {
		v.t.Fatalf("livetest: %s has no %s binding:\n%s", sel, attrName, pretty.HTML(el.AppendHTML(nil)))
	}
	if name != "" && name[0] == '[' {
		v.t.Fatalf("livetest: %s's %s runs client commands: read them with View.Commands, send their pushes with View.Run", sel, attrName)
	}
	return el, name
}

// Click clicks the element matching sel, which must have a live-click
// binding; its live-value-* attributes go along. It waits for the patch.
func (v *View) Click(sel string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-click")
	v.on(el, bindingEvent(live.EventClick, name, liveValues(el)))
}

// Submit submits the form matching sel (it must have live-submit) with the
// values of its fields as rendered, overridden by values.
func (v *View) Submit(sel string, values url.Values) {
	v.t.Helper()
	el, name := v.binding(sel, "live-submit")
	v.on(el, bindingEvent(live.EventSubmit, name, formValues(el, values)))
}

// Change reports a change of field in the form matching sel (it must have
// live-change), with the form's values overridden by values.
func (v *View) Change(sel, field string, values url.Values) {
	v.t.Helper()
	el, name := v.binding(sel, "live-change")
	ev := bindingEvent(live.EventChange, name, formValues(el, values))
	ev.Field = field
	v.on(el, ev)
}

// KeyDown presses key on the element matching sel (live-keydown).
func (v *View) KeyDown(sel, key string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-keydown")
	ev := bindingEvent(live.EventKeyDown, name, liveValues(el))
	ev.Key = key
	v.on(el, ev)
}

// KeyUp releases key on the element matching sel (live-keyup).
func (v *View) KeyUp(sel, key string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-keyup")
	ev := bindingEvent(live.EventKeyUp, name, liveValues(el))
	ev.Key = key
	v.on(el, ev)
}

// KeyUpIn releases key on the field matching sel (live-keyup) while it
// holds text: the event carries text as Values["value"], as the browser
// sends what a field holds with its key events, so that a live-keyup
// search box can be tested.
func (v *View) KeyUpIn(sel, key, text string) {
	v.t.Helper()
	v.keyIn(sel, live.EventKeyUp, key, text)
}

// KeyDownIn presses key on the field matching sel (live-keydown) while it
// holds text, as [View.KeyUpIn] releases one.
func (v *View) KeyDownIn(sel, key, text string) {
	v.t.Helper()
	v.keyIn(sel, live.EventKeyDown, key, text)
}

// keyIn sends a key event of a field holding text.
func (v *View) keyIn(sel, typ, key, text string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-"+typ)
	vals := liveValues(el)
	vals.Set("value", text)
	ev := bindingEvent(typ, name, vals)
	ev.Key = key
	v.on(el, ev)
}

// Blur and Focus fire the live-blur and live-focus bindings of sel.
func (v *View) Blur(sel string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-blur")
	v.on(el, bindingEvent(live.EventBlur, name, liveValues(el)))
}

// Focus fires the live-focus binding of the element matching sel.
func (v *View) Focus(sel string) {
	v.t.Helper()
	el, name := v.binding(sel, "live-focus")
	v.on(el, bindingEvent(live.EventFocus, name, liveValues(el)))
}

// Event sends an event of type typ named name with values, as a binding
// would, without looking for an element.
func (v *View) Event(typ, name string, values url.Values) {
	v.t.Helper()
	v.event(bindingEvent(typ, name, values))
}

// Hook pushes an event from a client hook (pushEvent) and returns the
// view's reply ([live.Socket.Reply]) as JSON, "null" if none.
func (v *View) Hook(name string, payload any) json.RawMessage {
	v.t.Helper()
	p, err := wire.Marshal(payload)
	if err != nil {
		v.t.Fatalf("livetest: hook %s: %v", name, err)
	}
	resp := v.event(wire.Event{Type: live.EventHook, Name: name, Payload: p})
	r, err := wire.DecodeRender(resp)
	if err != nil {
		v.t.Fatalf("livetest: hook %s: reply %s: %v", name, resp, err)
	}
	if r.Reply == nil {
		return json.RawMessage("null")
	}
	return r.Reply
}

// Patch follows a live-patch link to path (same view, HandleParams runs).
func (v *View) Patch(path string) {
	v.t.Helper()
	v.url = v.c.URL(path)
	v.push(wire.ClientLivePatch, wire.LivePatchRequest{URL: v.url}.AppendJSON(nil))
}

// Send delivers msg to the view's InfoHandler, as a PubSub message would
// arrive, and waits until it has been handled and its render applied.
func (v *View) Send(msg any) {
	v.t.Helper()
	ref := "ping-" + v.nextRef()
	if err := v.c.srv.Send(v.id, msg); err != nil {
		v.t.Fatalf("livetest: send %T: %v", msg, err)
	}
	v.Sync(ref)
}

// SendUpdate delivers msg to the InfoHandler of the view's component id
// ([live.Socket.SendUpdate]) and waits until it has been handled and its
// render applied.
func (v *View) SendUpdate(id string, msg any) {
	v.t.Helper()
	ref := "ping-" + v.nextRef()
	if err := v.c.srv.SendUpdate(v.id, id, msg); err != nil {
		v.t.Fatalf("livetest: send update %T to %q: %v", msg, id, err)
	}
	v.Sync(ref)
}

// Sync waits until every message already sent to the view (by Send, a
// PubSub broadcast or a timer) has been handled and its render applied.
func (v *View) Sync(ref string) {
	v.t.Helper()
	if ref == "" {
		ref = "ping-" + v.nextRef()
	}
	if err := v.ping(wire.Ping{Ref: ref}); err != nil {
		v.t.Fatalf("livetest: sync: %v\n%s", err, v.pretty())
	}
	v.follow()
}

// ping sends the view p and handles frames until its pong arrives.
func (v *View) ping(p wire.Ping) error {
	if err := v.c.srv.Send(v.id, p); err != nil {
		return err
	}
	return v.awaitPush(wire.ServerPong, func(payload json.RawMessage) (bool, error) {
		pong, err := wire.DecodePong(payload)
		return err == nil && pong.Ref == p.Ref, err
	})
}

// SyncUntil syncs the view until cond holds, for changes that reach the
// view through another goroutine first (a presence diff, a broadcast from
// another node); the test fails, printing the HTML, if cond does not hold
// within [Timeout].
func (v *View) SyncUntil(what string, cond func() bool) {
	v.t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		v.Sync("")
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			v.t.Fatalf("livetest: %s: not within %s\n%s", what, Timeout, v.pretty())
		}
		time.Sleep(time.Millisecond)
	}
}

// FollowRedirect loads the page the view redirected to, as the browser
// does: with the flash the redirect carried in the _live_flash cookie. The
// test fails if the view did not redirect.
func (v *View) FollowRedirect() *Page {
	v.t.Helper()
	if v.redirect == "" {
		v.t.Fatal("livetest: the view did not redirect")
	}
	if v.flash != "" {
		u, _ := url.Parse(v.c.ts.URL)
		v.c.jar.SetCookies(u, []*http.Cookie{{Name: "_live_flash", Value: v.flash, Path: "/"}})
	}
	return v.c.Get(v.redirect)
}
