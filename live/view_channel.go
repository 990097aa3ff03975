package live

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
	"github.com/templive/templive/render"
)

// viewChannel runs one live view: it is the [Channel] joined on "lv:<id>".
// All its methods run on the channel's goroutine, one at a time.
type viewChannel struct {
	srv  *Server
	cc   *channel.Conn
	view View
	rt   *route
	s    *Socket
	last lastRender // what the browser has

	dirty   bool      // a callback ran since the last render
	waiting []waiting // events to answer after the next render
	pings   []string  // refs of Pings to answer after the next render
}

// waiting is an event whose reply waits for the next render, and what a
// hook event's handler replied (see [Socket.Reply]).
type waiting struct {
	ref   string
	reply any
}

// joinPayload is the payload of a live view's phx_join (docs/PROTOCOL.md).
type joinPayload struct {
	Session string            `json:"session"`
	URL     string            `json:"url"`
	Form    map[string]string `json:"form"`
	Flash   string            `json:"flash"`
}

// joinReply answers a successful join.
type joinReply struct {
	HTML  json.RawMessage `json:"html"` // a JSON string that keeps <, > and & as they are
	Title string          `json:"title,omitempty"`
}

// renderReply carries a render's effects: the patch, events for hooks, a
// new title, and a hook event's reply.
type renderReply struct {
	Patch   json.RawMessage `json:"d,omitempty"`
	Streams json.RawMessage `json:"s,omitempty"`
	Reply   any             `json:"r,omitempty"`
	Events  [][2]any        `json:"ev,omitempty"`
	Title   *string         `json:"title,omitempty"`
}

// Join verifies the page's session, mounts the view (or adopts the one the
// GET mounted) and replies with the first render. A join refused or failed
// after Mount ends the view as Terminate would: its timers stop and it is
// told why.
func (vc *viewChannel) Join(ctx context.Context, raw json.RawMessage) (resp any, err error) {
	var p joinPayload
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, channel.Refuse("invalid join payload")
	}
	tok, err := VerifyToken[sessionToken](vc.srv.signer, saltSession, p.Session, vc.srv.opts.SessionMaxAge)
	switch {
	case errors.Is(err, ErrTokenExpired):
		return nil, channel.Refuse("stale")
	case err != nil:
		return nil, channel.Refuse("unauthorized")
	}
	if "lv:"+tok.ID != vc.cc.Topic() {
		return nil, channel.Refuse("unauthorized")
	}
	u, err := url.Parse(p.URL)
	if err != nil || u.Path == "" {
		return nil, channel.Refuse("invalid url")
	}
	u = vc.onSite(u)
	rt, params, ok := vc.srv.resolve(ctx, u)
	if !ok {
		return nil, channel.Refuse("navigate")
	}
	navigated := rt.pattern != tok.Route
	if navigated {
		// Live navigation stays within the page's group; the browser loads
		// a page of another group in full, with its own GET.
		from, ok := vc.srv.routes.Load(tok.Route)
		if !ok || from.(*route).group != rt.group {
			return nil, channel.Refuse("navigate")
		}
	}

	s := &Socket{srv: vc.srv, id: tok.ID, connected: true, session: tok.Session, url: u, ctx: ctx, cc: vc.cc, mailbox: vc.cc.Mailbox()}
	s.flash = vc.joinFlash(tok, p.Flash, navigated)
	for _, c := range vc.cc.ConnectInfo().Cookies {
		if c.Name == csrfCookie {
			s.csrf = vc.srv.csrfToken(c.Value)
		}
	}
	vc.s, vc.rt = s, rt
	defer func() {
		if err != nil {
			vc.end(err)
		}
	}()

	if pv := vc.srv.parked.take(tok.ID); pv != nil && !navigated && pv.route == rt {
		vc.view, s.adopted = pv.view, true
		s.streams = pv.socket.streams // what the GET's Mount set up renders now
		vc.srv.adoptions.Add(1)
	} else {
		vc.view = rt.newView()
	}
	vc.srv.mounts.Add(1)
	if err := mountView(ctx, vc.view, s, params); err != nil {
		return nil, err
	}
	if len(p.Form) > 0 {
		if err := vc.recoverForms(ctx, p.Form); err != nil {
			return nil, err
		}
	}
	if err := s.checkTargets(); err != nil {
		return nil, err
	}
	if to := s.redirectTo; to != "" {
		return nil, &channel.JoinError{Response: map[string]string{"reason": "redirect", "to": to, "flash": vc.flashToken()}}
	}
	if to := s.navigateTo; to != "" {
		return nil, &channel.JoinError{Response: map[string]string{"reason": "navigate", "to": to, "flash": vc.flashToken()}}
	}
	if err := vc.applyPatchTo(ctx); err != nil {
		return nil, err
	}

	html, err := vc.render(ctx)
	if err != nil {
		return nil, err
	}
	tree, err := render.ParseFragment(html)
	if err != nil {
		return nil, fmt.Errorf("parse render: %w", err)
	}
	// The HTML carries the streams' items; the server keeps none of them.
	_, cut, err := s.collectStreams(tree)
	if err != nil {
		return nil, err
	}
	vc.last.keep(html, tree, cut)
	vc.dirty = false
	vc.srv.views.Store(s.id, vc)
	reply := joinReply{HTML: diff.AppendJSONString(nil, string(html))}
	if s.titleSet {
		reply.Title = s.title
		s.titleSet = false
	}
	// Pushes made during Join follow the join reply.
	if len(s.events) > 0 {
		if err := vc.send(vc.cc.Push("diff", renderReply{Events: vc.takeEvents()})); err != nil {
			return nil, err
		}
	}
	return reply, nil
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

// joinFlash returns the flash a join shows: the one a live navigation
// carried, else, on a join of the page's own route, the page's.
func (vc *viewChannel) joinFlash(tok sessionToken, carried string, navigated bool) map[string]string {
	if carried != "" {
		if f, err := VerifyToken[map[string]string](vc.srv.signer, saltFlash, carried, flashMaxAge); err == nil {
			return f
		}
	}
	if navigated {
		return nil
	}
	return tok.Flash
}

// applyPatchTo carries out a PushPatch: it checks the target is this
// view's route, moves the view there, runs HandleParams, and tells the
// browser to follow.
func (vc *viewChannel) applyPatchTo(ctx context.Context) error {
	s := vc.s
	to, kind := s.patchTo, s.patchKind
	if to == "" {
		return nil
	}
	s.patchTo = ""
	u, err := s.url.Parse(to)
	if err != nil || !localPath(to) {
		return fmt.Errorf("live: PushPatch(%q): not a path on this site", to)
	}
	rt, params, ok := vc.srv.resolve(ctx, u)
	if !ok || rt != vc.rt {
		return fmt.Errorf("live: PushPatch(%q): not this view's route %s; use PushNavigate", to, vc.rt.pattern)
	}
	if err := vc.handleParams(ctx, u, params); err != nil {
		return err
	}
	vc.dirty = true
	return vc.send(vc.cc.Push("live_patch", map[string]string{"to": u.RequestURI(), "kind": kind}))
}

// end releases a view whose channel will not run: its timers stop and it is
// told why.
func (vc *viewChannel) end(reason error) {
	if vc.s != nil {
		vc.s.stopTimers()
	}
	if t, ok := vc.view.(Terminator); ok {
		t.Terminate(reason)
	}
}

// send returns err unless it only says the connection is gone, which
// the channel learns about by itself: a push or reply that cannot be
// encoded must not be dropped silently, or the browser would fall out of
// step with the tree the server diffs against.
func (vc *viewChannel) send(err error) error {
	if err == nil || errors.Is(err, channel.ErrClosed) || errors.Is(err, channel.ErrSlowClient) {
		return nil
	}
	return err
}

// maxRecoveredForms bounds the forms one join may replay.
const maxRecoveredForms = 16

// recoverForms replays, after a reconnect, the state of the forms the user
// was filling in: each form the view renders with that id and a
// live-change binding gets its change event, so the view comes back as the
// user left it. The event name comes from the server's own render, never
// from the client.
func (vc *viewChannel) recoverForms(ctx context.Context, forms map[string]string) error {
	eh, ok := vc.view.(EventHandler)
	if !ok {
		return nil
	}
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
		name, ok := el.Attr("live-change")
		if !ok || name == "" {
			continue
		}
		vals, err := parseValues(forms[id])
		if err != nil {
			continue // a form we cannot read is not worth refusing the join
		}
		if err := eh.HandleEvent(ctx, vc.s, Event{Type: EventChange, Name: name, Values: vals}); err != nil {
			return fmt.Errorf("recover form %s: %w", id, err)
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

// HandleIn runs a client event: "event" (a binding) or "live_patch" (a
// live-patch link or back/forward). The reply waits for the render.
func (vc *viewChannel) HandleIn(ctx context.Context, msg channel.Message) (channel.Reply, error) {
	switch msg.Name {
	case "event":
		var w wireEvent
		if err := json.Unmarshal(msg.Payload, &w); err != nil {
			return channel.ReplyError(map[string]string{"reason": "malformed event"}), nil
		}
		ev, err := decodeEvent(w)
		if err != nil {
			return channel.ReplyError(map[string]string{"reason": err.Error()}), nil
		}
		eh, ok := vc.view.(EventHandler)
		if !ok {
			return channel.ReplyError(map[string]string{"reason": "view handles no events"}), nil
		}
		vc.dirty = true
		vc.s.hookReply = nil
		if err := eh.HandleEvent(ctx, vc.s, ev); err != nil {
			return channel.NoReply, fmt.Errorf("event %q: %w", ev.Name, err)
		}
		wt := waiting{ref: msg.Ref}
		if ev.Type == EventHook {
			wt.reply = vc.s.hookReply
		}
		vc.s.hookReply = nil
		vc.waiting = append(vc.waiting, wt)
		return channel.NoReply, nil
	case "live_patch":
		var p struct {
			URL string `json:"url"`
		}
		if err := json.Unmarshal(msg.Payload, &p); err != nil {
			return channel.ReplyError(map[string]string{"reason": "malformed live_patch"}), nil
		}
		u, err := url.Parse(p.URL)
		if err != nil {
			return channel.ReplyError(map[string]string{"reason": "invalid url"}), nil
		}
		u = vc.onSite(u)
		rt, params, ok := vc.srv.resolve(ctx, u)
		if !ok || rt != vc.rt {
			return channel.ReplyError(map[string]string{"reason": "navigate"}), nil
		}
		vc.dirty = true
		if err := vc.handleParams(ctx, u, params); err != nil {
			return channel.NoReply, err
		}
		vc.waiting = append(vc.waiting, waiting{ref: msg.Ref})
		return channel.NoReply, nil
	}
	return channel.ReplyError(map[string]string{"reason": "unknown event " + msg.Name}), nil
}

// HandleInfo hands a PubSub message (or a SendAfter) to the view.
func (vc *viewChannel) HandleInfo(ctx context.Context, m pubsub.Message) error {
	if p, ok := m.Payload.(Ping); ok {
		vc.pings = append(vc.pings, p.Ref)
		return nil
	}
	ih, ok := vc.view.(InfoHandler)
	if !ok {
		return nil
	}
	vc.dirty = true
	if err := ih.HandleInfo(ctx, vc.s, m.Payload); err != nil {
		return fmt.Errorf("info %T: %w", m.Payload, err)
	}
	return nil
}

// handleParams moves the view to u and runs its HandleParams with u's
// params: its query and the route's wildcards.
func (vc *viewChannel) handleParams(ctx context.Context, u *url.URL, params url.Values) error {
	vc.s.url = u
	ph, ok := vc.view.(ParamsHandler)
	if !ok {
		return nil
	}
	if err := ph.HandleParams(ctx, vc.s, params); err != nil {
		return fmt.Errorf("handle params %s: %w", u, err)
	}
	return nil
}

// Drained runs when the queue is empty: once per burst of events and
// messages, carry out navigation, render, diff, and send the patch.
func (vc *viewChannel) Drained(ctx context.Context) error {
	if err := vc.flush(ctx); err != nil {
		return err
	}
	for _, ref := range vc.pings {
		if err := vc.send(vc.cc.Push("pong", map[string]string{"ref": ref})); err != nil {
			return err
		}
	}
	vc.pings = vc.pings[:0]
	return nil
}

// flush carries out what the callbacks since the last flush asked for.
// An error crashes the view, which the browser then rejoins: never a
// patch silently lost.
func (vc *viewChannel) flush(ctx context.Context) error {
	s := vc.s
	if err := s.checkTargets(); err != nil {
		return err
	}
	if to := s.redirectTo; to != "" {
		s.redirectTo = ""
		if err := vc.send(vc.cc.Push("redirect", map[string]string{"to": to, "flash": vc.flashToken()})); err != nil {
			return err
		}
		if err := vc.answerWaiting(renderReply{}); err != nil {
			return err
		}
		vc.cc.Close()
		return nil
	}
	if to := s.navigateTo; to != "" {
		s.navigateTo = ""
		if err := vc.send(vc.cc.Push("live_redirect", map[string]string{"to": to, "kind": s.navKind, "flash": vc.flashToken()})); err != nil {
			return err
		}
		return vc.answerWaiting(renderReply{})
	}
	if err := vc.applyPatchTo(ctx); err != nil {
		return err
	}
	if !vc.dirty && len(vc.waiting) == 0 && len(s.events) == 0 && !s.titleSet {
		return nil
	}
	var out renderReply
	if vc.dirty {
		patch, streams, err := vc.rerender(ctx)
		if err != nil {
			return err
		}
		out.Patch, out.Streams = patch, streams
		vc.dirty = false
	}
	out.Events = vc.takeEvents()
	if s.titleSet {
		out.Title, s.titleSet = &s.title, false
	}
	if len(vc.waiting) > 0 {
		return vc.answerWaiting(out)
	}
	if out.Patch != nil || out.Streams != nil || out.Events != nil || out.Title != nil {
		return vc.send(vc.cc.Push("diff", out))
	}
	return nil
}

// answerWaiting replies to every event of the burst, each with its own
// hook reply; the last reply also carries out, so the browser applies the
// patch as its event completes.
func (vc *viewChannel) answerWaiting(out renderReply) error {
	defer func() { vc.waiting = vc.waiting[:0] }()
	for i, w := range vc.waiting {
		r := renderReply{Reply: w.reply}
		if i == len(vc.waiting)-1 {
			r.Patch, r.Streams, r.Events, r.Title = out.Patch, out.Streams, out.Events, out.Title
		}
		if err := vc.send(vc.cc.Reply(w.ref, channel.ReplyOK(r))); err != nil {
			return err
		}
	}
	return nil
}

// rerender renders the view and returns the encoded patch from the last
// render (nil if nothing changed) and the streams' operations.
func (vc *viewChannel) rerender(ctx context.Context) (patch, streams json.RawMessage, err error) {
	html, err := vc.render(ctx)
	if err != nil {
		return nil, nil, err
	}
	shareable := !vc.s.streamsPending() && vc.last.compact == nil
	if shareable {
		if vc.last.same(html) {
			return nil, nil, nil // nothing changed: no parse, no diff
		}
		if p, ok := vc.srv.patches.get(vc.last.html, html); ok {
			vc.last.keep(html, nil, false)
			return p, nil, nil
		}
	}
	tree, err := render.ParseFragment(html)
	if err != nil {
		return nil, nil, fmt.Errorf("parse render: %w", err)
	}
	streams, cut, err := vc.s.collectStreams(tree)
	if err != nil {
		return nil, nil, err
	}
	old, err := vc.last.tree()
	if err != nil {
		return nil, nil, err
	}
	d := diff.Diff(old, tree)
	if d.Empty() {
		vc.last.keep(html, tree, cut)
		return nil, streams, nil
	}
	// The browser will have old with the patch applied: the new render,
	// unless some markup does not survive being sent as HTML (a form in a
	// form is dropped when parsed in place). Then the whole content goes,
	// parsed at the root as a page load parses it, rather than a patch that
	// would leave the browser with another tree than the server's.
	n := len(old.Children)
	if err := diff.Apply(old, d); err != nil || !render.Equal(old, tree) {
		vc.cc.Logger().Warn("live: a patch cannot carry this render (a form in a form?); the view's content is sent whole", "view", vc.rt.pattern)
		// The render's own HTML: at the root it parses to the render's tree
		// by construction, stream items included (their operations go).
		d = diff.Patch{{Code: diff.OpInsert, Path: []int{0}, Value: string(html)}}
		if n > 0 {
			d = append(diff.Patch{{Code: diff.OpRemove, Path: []int{0}, N: n}}, d...)
		}
		streams, shareable = nil, false
	}
	patch = d.AppendJSON(nil)
	if shareable && !cut {
		vc.srv.patches.put(vc.last.html, html, patch)
	}
	vc.last.keep(html, tree, cut)
	return patch, streams, nil
}

// lastRender is what the browser has, kept as cheaply as possible between
// renders, since every connected view keeps one: the HTML of the last
// render, parsed again before the next diff (about 1× its size in memory,
// against 5–7× for a parsed tree, for a parse that costs a few µs per KB),
// or, when stream items were cut out of it, a compact copy of the tree.
type lastRender struct {
	html    []byte
	compact *render.Node
}

// keep remembers a render: its HTML, or its tree when cut says items were
// cut out of it, so it no longer matches the HTML.
func (l *lastRender) keep(html []byte, tree *render.Node, cut bool) {
	if cut {
		l.html, l.compact = nil, render.Compact(tree)
		return
	}
	l.html, l.compact = html, nil
}

// same reports whether html is the last render's HTML.
func (l *lastRender) same(html []byte) bool {
	return l.compact == nil && bytes.Equal(l.html, html)
}

// tree returns the tree of the last render.
func (l *lastRender) tree() (*render.Node, error) {
	if l.compact != nil {
		return l.compact, nil
	}
	t, err := render.ParseFragment(l.html)
	if err != nil {
		return nil, fmt.Errorf("parse the last render: %w", err)
	}
	return t, nil
}

// render renders the view with its Socket in the context.
func (vc *viewChannel) render(ctx context.Context) ([]byte, error) {
	html, err := render.Component(context.WithValue(ctx, socketKey{}, vc.s), vc.view.Render())
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", vc.rt.pattern, err)
	}
	return html, nil
}

// takeEvents returns the events pushed for hooks since the last render.
func (vc *viewChannel) takeEvents() [][2]any {
	if len(vc.s.events) == 0 {
		return nil
	}
	out := make([][2]any, len(vc.s.events))
	for i, e := range vc.s.events {
		out[i] = [2]any{e.name, e.payload}
	}
	vc.s.events = vc.s.events[:0]
	return out
}

// flashToken signs the flash for the page the browser goes to next.
func (vc *viewChannel) flashToken() string {
	tok, err := vc.srv.flashToken(vc.s.flash)
	if err != nil {
		vc.cc.Logger().Error("live: flash not carried", "err", err)
		return ""
	}
	return tok
}

// Terminate ends the view: timers stop, and the view is told why; a crash
// reaches it wrapped in [ErrViewCrashed].
func (vc *viewChannel) Terminate(reason error) {
	if vc.s != nil {
		vc.srv.views.CompareAndDelete(vc.s.id, vc)
	}
	if errors.Is(reason, channel.ErrChannelCrashed) || errors.Is(reason, channel.ErrMailboxOverflow) {
		reason = fmt.Errorf("%w: %w", ErrViewCrashed, reason)
		if vc.rt != nil {
			vc.srv.logger.Error("live: view crashed", "view", vc.rt.pattern, "id", vc.s.id, "err", reason)
		}
	}
	vc.end(reason)
}
