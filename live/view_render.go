package live

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// Drained runs when the queue is empty: once per burst of events and
// messages, hand the view the results of its async tasks, carry out
// navigation, render, diff, and send the patch.
func (vc *viewChannel) Drained(ctx context.Context) error {
	ctx = vc.callCtx(ctx)
	if err := vc.settleAsync(ctx); err != nil {
		return err
	}
	if err := vc.flush(ctx); err != nil {
		return err
	}
	vc.recharge()
	for _, ref := range vc.pings {
		vc.push(wire.ServerPong, wire.Pong{Ref: ref}.AppendJSON(nil))
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
		vc.push(wire.ServerRedirect, wire.Redirect{To: to, Flash: vc.flashToken()}.AppendJSON(nil))
		if err := vc.answerWaiting(wire.Render{}, nil); err != nil {
			return err
		}
		vc.cc.Close()
		return nil
	}
	if to := s.navigateTo; to != "" {
		s.navigateTo = ""
		vc.push(wire.ServerLiveRedirect, wire.LiveRedirect{To: to, Kind: s.navKind, Flash: vc.flashToken()}.AppendJSON(nil))
		return vc.answerWaiting(wire.Render{}, nil)
	}
	if err := vc.applyPatchTo(ctx); err != nil {
		return err
	}
	dirty := vc.dirty || len(vc.parts) > 0
	if !dirty && len(vc.waiting) == 0 && len(s.events) == 0 && len(s.execs) == 0 && !s.titleSet {
		return nil
	}
	defer vc.stats.updated(time.Now())
	out, enc, err := vc.pendingRender(ctx)
	if err != nil {
		return err
	}
	if len(vc.waiting) > 0 {
		return vc.answerWaiting(out, enc)
	}
	if !out.Empty() {
		vc.push(wire.ServerDiff, enc)
	}
	return nil
}

// pendingRender renders the view if a callback ran since the last render,
// and takes what callbacks pushed: what the browser is sent next, and its
// wire form. A render that is not empty is the view's next version, kept
// in its log for a resume: what it pushes (events, commands, a title) is
// as much what the page missed as its patch.
func (vc *viewChannel) pendingRender(ctx context.Context) (out wire.Render, enc []byte, err error) {
	s := vc.s
	if vc.dirty || len(vc.parts) > 0 {
		patch, streams, err := vc.rerender(ctx)
		if err != nil {
			return out, nil, err
		}
		out.Patch, out.Streams = patch, streams
		vc.dirty, vc.parts = false, vc.parts[:0]
	}
	events, err := vc.takeEvents()
	if err != nil {
		return out, nil, err
	}
	out.Events = events
	out.Exec = vc.takeExecs()
	if s.titleSet {
		out.Title, s.titleSet = &s.title, false
	}
	enc = out.AppendJSON(nil)
	if !out.Empty() {
		vc.log.add(enc)
	}
	return out, enc, nil
}

// answerWaiting replies to every event of the burst, each with its own
// hook reply; the last reply also carries out (whose wire form is enc,
// when not nil), so the browser applies the patch as its event completes.
func (vc *viewChannel) answerWaiting(out wire.Render, enc []byte) error {
	defer func() {
		vc.repliedAt(time.Now())
		vc.waiting = vc.waiting[:0]
	}()
	for i, w := range vc.waiting {
		var r wire.Render
		if w.reply != nil {
			reply, err := wire.Marshal(w.reply)
			if err != nil {
				return fmt.Errorf("hook reply: %w", err)
			}
			r.Reply = reply
			vc.replies.add(w.seq, reply)
		}
		if i == len(vc.waiting)-1 {
			if r.Reply == nil && enc != nil {
				vc.reply(w.ref, enc)
				continue
			}
			r.Patch, r.Streams, r.Events, r.Exec, r.Title = out.Patch, out.Streams, out.Events, out.Exec, out.Title
		}
		vc.reply(w.ref, r.AppendJSON(nil))
	}
	return nil
}

// rerender renders what changed and returns the encoded patch from the
// last render (nil if nothing changed) and the streams' operations: the
// view's, then those that replace the stream items whose components'
// own callbacks ran, rendered alone.
func (vc *viewChannel) rerender(ctx context.Context) (patch json.RawMessage, streams []wire.StreamOp, err error) {
	items, since := vc.takeStreamedParts(), vc.s.comps.pass
	if vc.dirty || len(vc.parts) > 0 {
		if patch, streams, err = vc.rerenderView(ctx); err != nil {
			return nil, nil, err
		}
	}
	ops, err := vc.renderItems(ctx, items, since)
	if err != nil {
		return nil, nil, err
	}
	return patch, append(streams, ops...), nil
}

// rerenderView renders the view and returns the encoded patch from the
// last render (nil if nothing changed) and the streams' operations.
func (vc *viewChannel) rerenderView(ctx context.Context) (patch json.RawMessage, streams []wire.StreamOp, err error) {
	var ob observing
	ctx = vc.observe(ctx, &ob, Op{Kind: OpRender})
	defer func() {
		ob.op.Render.Bytes = len(patch)
		ob.end(ctx, &err)
	}()
	html, same, alone, err := vc.renderDirty(ctx)
	ob.op.Render.Render = ob.lap()
	if err != nil {
		return nil, nil, err
	}
	if alone && !sameSlice(html, vc.last.html) {
		// The spliced HTML is in a buffer no patch cache shares: once a
		// later render replaces it, the next render of components alone
		// may reuse it.
		defer func() {
			if sameSlice(vc.last.html, html) {
				vc.last.own = true
			}
		}()
	}
	narrowable := !vc.s.streamsPending() && vc.last.compact == nil
	shareable := narrowable && !alone
	var key uint64 // the patch's in the cache
	if narrowable {
		if vc.last.same(html, same) {
			return nil, nil, nil // nothing changed: no parse, no diff
		}
		if shareable {
			p, k, ok := vc.srv.patches.get(vc.last.html, html, same)
			if ok {
				vc.last.keep(html, nil, false, nil)
				return p, nil, nil
			}
			key = k
		}
		if p, ok := vc.narrowed(html, same, key, shareable, &ob); ok {
			return p, nil, nil
		}
	}
	tree, doc, err := render.ParseDoc(html)
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
	// A narrowed parse that fell through to this one counts too.
	ob.op.Render.Parse += ob.lap()
	d := diff.Diff(old, tree)
	if d.Empty() {
		ob.op.Render.Diff = ob.lap()
		vc.last.keep(html, tree, cut, doc)
		return nil, streams, nil
	}
	// The browser will have old with the patch applied: the new render,
	// unless some markup does not survive being sent as HTML (a form in a
	// form is dropped when parsed in place). Then the whole content goes,
	// parsed at the root as a page load parses it, rather than a patch that
	// would leave the browser with another tree than the server's.
	n := len(old.Children)
	if err := diff.Apply(old, d); err != nil || !render.Equal(old, tree) {
		d = vc.whole(html, n)
		streams, shareable = nil, false
	}
	ob.op.Render.Diff = ob.lap()
	patch = d.AppendJSON(nil)
	ob.op.Render.Encode = ob.lap()
	if shareable && !cut {
		vc.share(key, html, patch)
	}
	vc.last.keep(html, tree, cut, doc)
	return patch, streams, nil
}

// renderDirty renders what changed since the last render: the components
// whose own callbacks ran, alone, when nothing else did (see
// [viewChannel.renderParts]); the whole view otherwise. Either way, html
// is the whole view's; same is what it is known to share with the last
// render, which need not be compared.
func (vc *viewChannel) renderDirty(ctx context.Context) (html []byte, same unchanged, alone bool, err error) {
	// A view that nests live views renders whole: which of them a render
	// keeps is decided over a whole render (nested.go).
	if !vc.dirty && !vc.s.nests.any() {
		html, same, ok, err := vc.renderParts(ctx, vc.parts)
		if ok || err != nil {
			return html, same, true, err
		}
	}
	html, err = vc.render(ctx)
	return html, unchanged{}, false, err
}

// share puts the patch from the last render to html in the server's patch
// cache, which then holds both renders' HTML: neither may be reused.
func (vc *viewChannel) share(key uint64, html, patch []byte) {
	vc.srv.patches.put(key, vc.last.html, html, patch)
	vc.last.own = false
}

// unchanged is what a render is known to share with the last one: its
// first head bytes and its last tail bytes.
type unchanged struct{ head, tail int }

// componentRan notes that a callback of the component id ran: unless the
// view's own run too, only the component renders (see [viewChannel.renderDirty]).
func (vc *viewChannel) componentRan(id string) {
	if !slices.Contains(vc.parts, id) {
		vc.parts = append(vc.parts, id)
	}
}

// narrowed makes the patch from the last render to html from the run of
// children where the two differ (see [render.Doc.Reparse]): parsed, diffed
// and checked there alone, it costs what the change costs rather than what
// the page does. It reports false when the whole trees must be compared.
//
// It times its phases in ob.
func (vc *viewChannel) narrowed(html []byte, same unchanged, key uint64, shareable bool, ob *observing) (json.RawMessage, bool) {
	doc := vc.last.doc
	if doc == nil {
		return nil, false
	}
	c, ok := doc.ReparseWithin(html, same.head, same.tail, diff.Opaque)
	ob.op.Render.Parse = ob.lap()
	if !ok {
		return nil, false
	}
	if c.Shallow && !diff.Keyed(c.Old.Children) {
		// Rows moved without being parsed: the diff must match them by
		// key, or it could pair rows whose contents differ.
		return nil, false
	}
	if hasStreamItems(c.New) {
		// Stream items in a render are cut out of the tree the view
		// keeps, which only the whole path does.
		vc.last.doc = nil
		return nil, false
	}
	d := diff.Diff(c.Old, c.New)
	// The whole path's check, on the run alone: c.Old is the run's own
	// parse, free to modify.
	n := doc.Children() // the old render's, unless the run is the root's
	if len(c.Path) == 0 {
		n += len(c.Old.Children) - len(c.New.Children)
	}
	if err := diff.ApplyIn(c.Old, c.Ancestors, d); err != nil || !render.Equal(c.Old, c.New) {
		w := vc.whole(html, n)
		ob.op.Render.Diff = ob.lap()
		patch := w.AppendJSON(nil)
		ob.op.Render.Encode = ob.lap()
		vc.last.keep(html, nil, false, doc)
		return patch, true
	}
	ob.op.Render.Diff = ob.lap()
	var patch []byte
	if !d.Empty() {
		patch = d.Rebase(c.Path, c.Index).AppendJSON(nil)
		ob.op.Render.Encode = ob.lap()
		if shareable {
			vc.share(key, html, patch)
		}
	}
	vc.last.keep(html, nil, false, doc)
	return patch, true
}

// whole is the patch that replaces the n children of the view's content
// with html, for a render a patch cannot carry.
func (vc *viewChannel) whole(html []byte, n int) diff.Patch {
	vc.logger().Warn("a patch cannot carry this render (a form in a form?); the view's content is sent whole")
	// The render's own HTML: at the root it parses to the render's tree
	// by construction, stream items included (their operations go).
	d := diff.Patch{{Code: diff.OpInsert, Path: []int{0}, Value: string(html)}}
	if n > 0 {
		d = append(diff.Patch{{Code: diff.OpRemove, Path: []int{0}, N: n}}, d...)
	}
	return d
}

// hasStreamItems reports whether the tree n has a stream container with
// children.
func hasStreamItems(n *render.Node) bool {
	for i := range n.Children {
		c := &n.Children[i]
		if v, _ := c.Attr("live-update"); v == "stream" && len(c.Children) > 0 {
			return true
		}
		if hasStreamItems(c) {
			return true
		}
	}
	return false
}

// renderJoin renders the view for its join reply, parses the HTML, and
// collects its streams' items: the HTML carries them, the server keeps
// none.
func (vc *viewChannel) renderJoin(ctx context.Context) (html []byte, tree *render.Node, doc *render.Doc, cut bool, err error) {
	var ob observing
	ctx = vc.observe(ctx, &ob, Op{Kind: OpRender})
	defer func() {
		ob.op.Render.Bytes = len(html)
		ob.end(ctx, &err)
	}()
	vc.parts = vc.parts[:0] // the join renders the whole view
	html, err = vc.render(ctx)
	ob.op.Render.Render = ob.lap()
	if err != nil {
		return nil, nil, nil, false, err
	}
	tree, doc, err = render.ParseDoc(html)
	if err != nil {
		return nil, nil, nil, false, fmt.Errorf("parse render: %w", err)
	}
	_, cut, err = vc.s.collectStreams(tree)
	ob.op.Render.Parse = ob.lap()
	if err != nil {
		return nil, nil, nil, false, err
	}
	return html, tree, doc, cut, nil
}

// lastRender is what the browser has, kept as cheaply as possible between
// renders, since every connected view keeps one: the HTML of the last
// render and where its elements are in it (a [render.Doc], 12 bytes per
// element), from which the next render reparses only what changed, or
// which is parsed whole again (a few µs per KB) when that cannot be done;
// or, when stream items were cut out of it, a compact copy of the tree. A
// parsed tree would cost 5–7× the HTML.
type lastRender struct {
	html    []byte
	doc     *render.Doc // nil: the next diff parses html whole
	compact *render.Node
	own     bool // nothing but l and doc holds html: once replaced, it is free
}

// keep remembers a render: its HTML and its Doc, if the parse gave one, or
// its tree when cut says items were cut out of it, so it no longer matches
// the HTML.
func (l *lastRender) keep(html []byte, tree *render.Node, cut bool, doc *render.Doc) {
	if l.own && !sameSlice(l.html, html) {
		freeHTML(l.html)
	}
	l.own = false
	if cut {
		l.html, l.doc, l.compact = nil, nil, render.Compact(tree)
		return
	}
	l.html, l.doc, l.compact = html, doc, nil
}

// bytes estimates the memory the last render holds, when it is not a tree.
func (l *lastRender) bytes() int64 {
	n := int64(len(l.html))
	if l.doc != nil {
		n += int64(l.doc.Size())
	}
	return n
}

// same reports whether html is the last render's HTML, which it is
// known to share u with.
func (l *lastRender) same(html []byte, u unchanged) bool {
	if l.compact != nil || len(l.html) != len(html) {
		return false
	}
	if u.head < 0 || u.tail < 0 || u.head+u.tail > len(html) {
		u = unchanged{}
	}
	return bytes.Equal(l.html[u.head:len(l.html)-u.tail], html[u.head:len(html)-u.tail])
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

// render renders the view with its Socket in the context. A panic in the
// view's Render, or in the component it returns, crashes the view like
// the error the component may return.
func (vc *viewChannel) render(ctx context.Context) (html []byte, err error) {
	defer recoverCrash(&err, callback{name: "Render"})
	// Straight into a buffer the size of the last render, which the next
	// is most likely close to: no copy of the page out of a pooled buffer.
	last := len(vc.last.html)
	buf := bytes.NewBuffer(make([]byte, 0, last+last/16+64))
	cs := &vc.s.comps
	cs.begin()
	vc.s.nests.begin()
	cs.html = nil
	cs.startRecording(buf, nil) // where each component's HTML goes, to render it alone later
	defer cs.stopRecording()
	if err := vc.view.Render().Render(context.WithValue(ctx, socketKey{}, vc.s), buf); err != nil {
		return nil, callback{name: "Render"}.failed(err)
	}
	html = buf.Bytes()
	cs.sweep() // the components this render left out
	vc.s.nests.sweep(vc.srv)
	if cap(html) > len(html)+len(html)/8+64 {
		html = bytes.Clone(html) // kept until the next render: no room to spare
	}
	cs.html = html
	vc.s.viewChanged = false
	return html, nil
}

// takeEvents returns the events pushed for hooks since the last render,
// their payloads encoded.
func (vc *viewChannel) takeEvents() ([]wire.PushedEvent, error) {
	if len(vc.s.events) == 0 {
		return nil, nil
	}
	out := make([]wire.PushedEvent, len(vc.s.events))
	for i, e := range vc.s.events {
		payload, err := wire.Marshal(e.payload)
		if err != nil {
			return nil, fmt.Errorf("pushed event %q: %w", e.name, err)
		}
		out[i] = wire.PushedEvent{Name: e.name, Payload: payload}
	}
	vc.s.events = vc.s.events[:0]
	return out, nil
}

// takeExecs returns the client commands sent with [Socket.Exec] since the
// last render, each as the JSON array it is.
func (vc *viewChannel) takeExecs() []json.RawMessage {
	if len(vc.s.execs) == 0 {
		return nil
	}
	var out []json.RawMessage
	for _, c := range vc.s.execs {
		// A Commands converted from a string by hand may be no JSON at all;
		// it would break the whole frame.
		if raw := json.RawMessage(c.String()); raw[0] == '[' && json.Valid(raw) {
			out = append(out, raw)
		} else {
			vc.cc.Logger().Warn("client commands are not a JSON list; not sent", "view", vc.rt.pattern, "commands", c.String())
		}
	}
	vc.s.execs = vc.s.execs[:0]
	return out
}
