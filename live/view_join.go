package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"time"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/render"
	"github.com/templive/templive/token"
)

// Join verifies the page's session, mounts the view (or adopts the one the
// GET mounted, with its async tasks) and replies with the first render.
//
// A join refused or failed once the view exists ends the view as
// Terminate would, since the channel will not call Terminate: its timers
// and tasks stop, and it is told why. A refusal (the view redirected, the
// server is busy) reaches its Terminate as the [channel.JoinError]. Any
// other failure is a crash: the client's join is answered "join crashed",
// the channel logs the returned [channel.CrashError] once, and the view's
// Terminate receives it wrapped in [ErrViewCrashed]. Join recovers the
// panics of the view's callbacks, and of its own code, so that this
// cleanup runs.
func (vc *viewChannel) Join(ctx context.Context, raw json.RawMessage) (resp any, err error) {
	// The view's own context outlives the join, and the connection too
	// when the view is resumed on another; the view's end cancels it.
	viewCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	vc.ctx, vc.cancel = viewCtx, cancel
	defer func() {
		if vc.s == nil && err != nil {
			cancel() // refused before any view existed
		}
	}()
	var ob observing
	ctx = vc.srv.observe(ctx, &ob, Op{Kind: OpJoin, Connected: true})
	defer ob.end(ctx, &err)
	if err := vc.admitJoin(); err != nil {
		return nil, err
	}
	p, err := wire.DecodeJoin(raw)
	if err != nil {
		return nil, refuse(wire.Refusal{Reason: refusalReason(err)})
	}
	nest, err := vc.joinNested(p.Session) // nil unless a view nested in another
	if err != nil {
		return nil, err
	}
	defer func() { vc.abandonNested(nest, err) }()
	var tok sessionToken
	if nest != nil {
		tok = nest.tok
	} else {
		tok, err = token.Verify[sessionToken](vc.srv.signer, saltSession, p.Session, vc.srv.opts.SessionMaxAge)
	}
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, refuse(wire.Refusal{Reason: wire.ReasonStale})
	case err != nil:
		return nil, refuse(wire.Refusal{Reason: wire.ReasonUnauthorized})
	}
	if wire.TopicPrefix+tok.ID != vc.cc.Topic() {
		return nil, refuse(wire.Refusal{Reason: wire.ReasonUnauthorized})
	}
	if err := vc.srv.authorize(ctx, tok.Session); err != nil {
		return nil, err
	}
	// A resume costs nothing more: the parked view counts already. Should
	// it mount anew instead, charge refuses it when it does not fit.
	if !p.Resume && !vc.srv.viewBytes.room(ViewOverhead) {
		return nil, refuse(wire.Refusal{Reason: reasonServerBusy})
	}
	u, err := url.Parse(p.URL)
	if err != nil || u.Path == "" {
		return nil, refuse(wire.Refusal{Reason: wire.ReasonInvalidURL})
	}
	u = vc.onSite(u)
	rt, params, ok := vc.srv.resolve(ctx, u)
	if nest != nil {
		// A nested view runs the view its parent rendered, whatever the URL.
		rt, params, ok = nest.route, url.Values{}, true
	}
	if !ok {
		return nil, refuse(wire.Refusal{Reason: wire.ReasonNavigate})
	}
	navigated := rt.pattern != tok.Route
	if navigated {
		// Live navigation stays within the page's group; the browser loads
		// a page of another group in full, with its own GET.
		from, ok := vc.srv.routes.Load(tok.Route)
		if !ok || from.(*route).group != rt.group {
			return nil, refuse(wire.Refusal{Reason: wire.ReasonNavigate})
		}
	}

	s := &Socket{srv: vc.srv, id: tok.ID, connected: true, session: tok.Session, url: u, ctx: viewCtx, cc: vc.cc, mailbox: vc.cc.Mailbox()}
	s.flash = vc.joinFlash(tok, p.Flash, navigated)
	for _, c := range vc.cc.ConnectInfo().Cookies {
		if c.Name == csrfCookie {
			s.csrf = vc.srv.csrfToken(c.Value)
		}
	}
	vc.s, vc.rt = s, rt
	vc.log = newRenderLog()
	ob.op.Route, ob.op.ViewID = rt.pattern, s.id
	defer func() {
		if v := recover(); v != nil {
			err = panicked("Join", v)
		}
		if err == nil {
			return
		}
		resp = nil
		if _, refused := errors.AsType[*channel.JoinError](err); refused {
			vc.end(err)
			return
		}
		ce := asCrash("Join", err)
		err = ce
		vc.end(&crashError{cause: ce})
	}()

	if !navigated && nest == nil {
		// A resumed view goes on with the OpView it had. (A nested view
		// rejoins with its parent's help, see nested.go.)
		if reply, ok, err := vc.resume(ctx, tok, p, rt, u, s.csrf); ok || err != nil {
			return reply, err
		}
	}
	var shown []byte // what the browser shows, when the server knows it
	if pv := vc.takeParked(nest, tok.ID); pv != nil && !navigated && pv.route == rt {
		vc.view, s.adopted, shown = pv.view, true, pv.html
		s.streams = pv.socket.streams // what the GET's Mount set up renders now
		// The tasks the GET's Mount started go on, for this view.
		s.async = pv.socket.async.adopt(s.mailbox)
		vc.srv.adoptions.Add(1)
	} else {
		pv.release()
		vc.view = rt.newView()
	}
	vc.srv.mounts.Add(1)
	err = mountView(ctx, vc.view, s, rt, params, vc.srv.groupHooks(rt.group))
	s.async.endAdoption()
	if err != nil {
		return nil, err
	}
	vc.resumeUploads()
	// What the GET's tasks returned before the join shows in its render.
	if err := vc.settleAsync(ctx); err != nil {
		return nil, err
	}
	if len(p.Form) > 0 && s.leavingTo() == "" {
		if err := vc.recoverForms(ctx, p.Form); err != nil {
			return nil, err
		}
	}
	if err := s.checkTargets(); err != nil {
		return nil, err
	}
	if to := s.redirectTo; to != "" {
		return nil, refuse(wire.Refusal{Reason: wire.ReasonRedirect, To: to, Flash: vc.flashToken()})
	}
	if to := s.navigateTo; to != "" {
		return nil, refuse(wire.Refusal{Reason: wire.ReasonNavigate, To: to, Flash: vc.flashToken()})
	}
	if err := vc.applyPatchTo(ctx); err != nil {
		return nil, err
	}

	html, tree, doc, cut, err := vc.renderJoin(ctx)
	if err != nil {
		return nil, err
	}
	vc.last.keep(html, tree, cut, doc)
	if !vc.charge() {
		return nil, refuse(wire.Refusal{Reason: reasonServerBusy})
	}
	vc.dirty = false
	reply := wire.JoinReply{HTML: string(html), Version: vc.log.version()}
	if shown != nil && !cut && len(p.Form) == 0 {
		// The adopted view's page shows the GET's render: the join sends
		// the difference, so that nothing the user did to the page (an
		// open <details>, a half-typed field, a playing video) is lost.
		if d, ok := joinPatch(shown, tree); ok {
			reply.Patched = true
			if len(d) > 0 {
				reply.Renders = []json.RawMessage{wire.Render{Patch: d}.AppendJSON(nil)}
			}
		}
	}
	if s.titleSet {
		reply.Title = s.title
		s.titleSet = false
	}
	// Pushes made during Join follow the join reply.
	if len(s.events) > 0 || len(s.execs) > 0 {
		events, err := vc.takeEvents()
		if err != nil {
			return nil, err
		}
		enc := wire.Render{Events: events, Exec: vc.takeExecs()}.AppendJSON(nil)
		vc.log.add(enc) // the version after the reply's, as any render
		vc.push(wire.ServerDiff, enc)
	}
	// Last, once nothing can fail: Server.Send reaches only joined views.
	vc.stats.joined, vc.stats.path = time.Now(), u.Path
	if _, replaced := vc.srv.views.Swap(s.id, vc); !replaced {
		vc.srv.connected.Add(1)
	}
	vc.startLife(viewCtx)
	return json.RawMessage(reply.AppendJSON(nil)), nil
}

// refuse refuses a join with r as the error reply's response.
func refuse(r wire.Refusal) error {
	return &channel.JoinError{Response: json.RawMessage(r.AppendJSON(nil))}
}

// onSite returns u with the scheme and host of the page that connected
// (its Origin, which the socket checked), so that a view never sees a host
// the client made up in the URL it joined with.
func (vc *viewChannel) onSite(u *url.URL) *url.URL {
	origin, err := url.Parse(vc.cc.ConnectInfo().Origin)
	if err != nil || origin.Host == "" {
		return u
	}
	c := *u
	c.Scheme, c.Host, c.User = origin.Scheme, origin.Host, nil
	return &c
}

// maxRecoveredForms bounds the forms one join may replay.
const maxRecoveredForms = 16

// recoverForms replays, after a reconnect, the state of the forms the user
// was filling in: each form the view renders with that id and a
// live-change binding gets its change event, so the view comes back as the
// user left it. A form's live-auto-recover names another event to replay
// instead, or "ignore" leaves the form alone. The event name comes from
// the server's own render, never from the client.
func (vc *viewChannel) recoverForms(ctx context.Context, forms map[string]string) error {
	html, err := vc.render(ctx)
	if err != nil {
		return err
	}
	tree, err := render.ParseFragment(html)
	if err != nil {
		return fmt.Errorf("parse render: %w", err)
	}
	ids := slices.Sorted(maps.Keys(forms))
	if len(ids) > maxRecoveredForms {
		ids = ids[:maxRecoveredForms]
	}
	for _, id := range ids {
		el := findElement(tree, id)
		if el == nil || el.Data != "form" {
			continue
		}
		name, _ := el.Attr("live-change")
		switch to, _ := el.Attr("live-auto-recover"); to {
		case "ignore":
			continue // replaying would reset what the view keeps itself (a page number)
		case "":
		default:
			name = to
		}
		name, extra, ok := recoveryEvent(name)
		if !ok {
			continue
		}
		if len(forms[id]) > vc.srv.maxEventBytes {
			continue // replayed as an event, it is bounded like one
		}
		vals, err := recoveredValues(forms[id], extra)
		if err != nil {
			continue // a form we cannot read is not worth refusing the join
		}
		// A form of a component goes back to it, as the client sends its events.
		var target any = vc.view
		component, _ := wire.EventTarget(tree, el)
		if component != "" {
			c, ok := vc.s.comps.get(component)
			if !ok {
				continue
			}
			target = c
		}
		// A recovered form's event runs no event hooks.
		if _, err := vc.handleEvent(ctx, target, Event{Type: EventChange, Name: name, Values: vals}, component, false); err != nil {
			return err
		}
	}
	return nil
}

// findElement returns the element of tree whose id is id, or nil.
func findElement(n *render.Node, id string) *render.Node {
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type != render.ElementNode {
			continue
		}
		if v, _ := c.Attr("id"); v == id {
			return c
		}
		if found := findElement(c, id); found != nil {
			return found
		}
	}
	return nil
}

// joinPatch returns the patch from shown, the HTML the browser shows, to
// tree, the join's render (nil when they are the same), or false when a
// patch cannot carry it (markup that does not survive being sent in
// place): the join then sends the whole HTML.
func joinPatch(shown []byte, tree *render.Node) (json.RawMessage, bool) {
	old, err := render.ParseFragment(shown)
	if err != nil {
		return nil, false
	}
	d := diff.Diff(old, tree)
	if d.Empty() {
		return nil, true
	}
	if err := diff.Apply(old, d); err != nil || !render.Equal(old, tree) {
		return nil, false
	}
	return d.AppendJSON(nil), true
}
