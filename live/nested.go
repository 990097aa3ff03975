package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/url"
	"reflect"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/token"
)

// The reasons a nested view's [Terminator] receives when its parent ends
// it.
var (
	// ErrNestedRemoved: a render of the parent no longer renders the
	// nested view.
	ErrNestedRemoved = errors.New("live: nested view removed from its parent's markup")
	// ErrParentEnded: the parent view ended (it crashed, navigated away,
	// or its browser left), and with it its nested views that are not
	// sticky.
	ErrParentEnded = errors.New("live: the nested view's parent ended")
)

// reasonNoParent refuses the join of a nested view whose parent is not
// joined on the same connection; the client retries it like any failure.
const reasonNoParent = "parent not joined"

// saltNested keeps a nested view's token from verifying as a page's.
const saltNested = "templive nested view"

// maxNestedName bounds a nested view's name, which is part of its id and
// so of every frame of its channel.
const maxNestedName = 64

// NestedOptions configure a view rendered with [Nested]. The zero value
// is a nested view that lives and dies with its parent's render.
type NestedOptions struct {
	// Sticky keeps the view, its element and its state, across live
	// navigation between the pages of one group ([Group]): the layout's
	// notification bell or music player. A sticky view is rendered by
	// the layout, which the browser keeps while the page's view is
	// replaced; Nested in a view's own markup refuses Sticky, and Nested
	// in the layout requires it.
	Sticky bool
}

// Nested renders v as a live view of its own inside the markup being
// rendered, under name, as Phoenix's live_render: in templ,
//
//	@live.Nested("bell", &Bell{UserID: v.UserID})
//
// or, in the layout,
//
//	@live.Nested("bell", &Bell{}, live.NestedOptions{Sticky: true})
//
// The nested view has its own goroutine, state and mailbox once the
// browser joins it: it subscribes to PubSub, handles the events of the
// elements inside it (they go to it, not to the parent) and is rendered
// and patched on its own. It is mounted with the page's session, the
// page's URL and no params; the group's mount hooks ([Server.OnMount]) do
// not run for it, since its parent, which they authorised, rendered it.
//
// # Identity
//
// Names are unique among the views one view nests: two in one render are
// an error, which crashes the parent (or fails the GET). A name is 1 to
// 64 letters, digits, '-' or '_'. The nested view's element id is the
// parent's id, '-', and the name; a render that gives a view the id of
// another on the page — the layout's sticky view's, or through a '-' in a
// name that of a view nested in a nested view — is an error, as two
// names alike are. The first render of a name starts the
// nested view with v; later renders of the same name keep the running
// view and ignore their v, since the nested view owns its state (send it
// what changes with [Server.Send]). A render of the parent that no longer
// renders a name ends that nested view: its Terminate receives
// [ErrNestedRemoved].
//
// # Lifecycle
//
// For the page's GET, v is mounted (not connected) and rendered in
// place. A connected parent renders an empty element for it, which the
// browser joins after the parent's join; the server creates the view
// from a copy of v (a shallow copy of the struct v points to, as it was
// before any Mount), so only the parent can start it: a join of a nested
// view its parent did not render on the same connection is refused.
//
// A nested view that crashes is remounted from that copy when the
// browser rejoins it, and its parent goes on undisturbed. A parent that
// ends ends its nested views that are not sticky (their Terminate
// receives [ErrParentEnded]); the browser rejoins them with the parent,
// anew. A sticky view rendered by the layout ends with its own channel:
// when its page is left or closed, or when it is ended from the server.
//
// Outside a page's render (no [Socket] in ctx) Nested is an error.
func Nested(name string, v View, opts ...NestedOptions) templ.Component {
	var o NestedOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if !validNestedName(name) {
			return fmt.Errorf("live: Nested(%q): a name is 1 to %d letters, digits, '-' or '_'", name, maxNestedName)
		}
		s := SocketFrom(ctx)
		if s == nil {
			return fmt.Errorf("live: Nested(%q) outside a live page's render", name)
		}
		inLayout := ctx.Value(layoutKey{}) == s
		switch {
		case inLayout && !o.Sticky:
			return fmt.Errorf("live: Nested(%q) in the layout: the layout is rendered once per page, so a view in it outlives the page's view; say so with NestedOptions{Sticky: true}", name)
		case !inLayout && o.Sticky:
			return fmt.Errorf("live: Nested(%q): a sticky view belongs in the layout, which the browser keeps across live navigation", name)
		}
		if err := s.nestName(name); err != nil {
			return err
		}
		if s.connected {
			return s.renderNested(w, name, v)
		}
		return s.renderNestedStatic(ctx, w, name, v, inLayout)
	})
}

// layoutKey marks the context of a page's layout render: its value is the
// page's Socket, so that the render of a view nested in the layout, whose
// Socket is its own, is not taken for the layout's.
type layoutKey struct{}

func validNestedName(name string) bool {
	if name == "" || len(name) > maxNestedName {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !isASCIILetter(c) && (c < '0' || c > '9') && c != '-' && c != '_' {
			return false
		}
	}
	return true
}

// nestedToken is what a nested view's data-live-session carries: which
// view it is, which view rendered it, and the page's session.
type nestedToken struct {
	ID      string  `json:"i"`
	Parent  string  `json:"p"`
	Name    string  `json:"n"`
	Session Session `json:"s,omitempty"`
}

// nestedViews are the views a view nests, by name, and the render each
// was last rendered by.
type nestedViews struct {
	pass   uint64
	byName map[string]*nestedChild
}

// nestedChild is a view a connected view nests: its entry in the server's
// registry, and the token its element carries, signed once so that the
// element's attributes stay the same from render to render.
type nestedChild struct {
	entry *nestEntry
	token string
	pass  uint64
}

// nestName records that the render under way renders name, and refuses a
// second one.
func (s *Socket) nestName(name string) error {
	if s.nests == nil {
		s.nests = &nestedViews{byName: map[string]*nestedChild{}}
	}
	c, ok := s.nests.byName[name]
	if ok && c.pass == s.nests.pass {
		return fmt.Errorf("live: two nested views named %q in one render of the view", name)
	}
	if !ok {
		c = &nestedChild{}
		s.nests.byName[name] = c
	}
	c.pass = s.nests.pass
	return nil
}

// begin starts a render: the nested views it renders are marked with its
// pass.
// any reports whether the view nests any live view now.
func (n *nestedViews) any() bool { return n != nil && len(n.byName) > 0 }

func (n *nestedViews) begin() {
	if n != nil {
		n.pass++
	}
}

// sweep ends the nested views the render that just ended left out.
func (n *nestedViews) sweep(srv *Server) {
	if n == nil {
		return
	}
	for name, c := range n.byName {
		if c.pass != n.pass {
			delete(n.byName, name)
			srv.nests.remove(c.entry, ErrNestedRemoved)
		}
	}
}

// end ends every nested view: the parent ended.
func (n *nestedViews) end(srv *Server) {
	if n == nil {
		return
	}
	for name, c := range n.byName {
		delete(n.byName, name)
		srv.nests.remove(c.entry, ErrParentEnded)
	}
}

// nestedID returns the element id, and channel topic after "lv:", of the
// view s nests under name.
func (s *Socket) nestedID(name string) string { return s.id + "-" + name }

// renderNested renders, for a connected view, the element of the view it
// nests under name, registering the view with the server the first time
// so that the browser's join of that element finds it.
func (s *Socket) renderNested(w io.Writer, name string, v View) error {
	c := s.nests.byName[name]
	if c.entry == nil {
		id := s.nestedID(name)
		tok, err := token.Sign(s.srv.signer, saltNested, nestedToken{ID: id, Parent: s.id, Name: name, Session: s.session})
		if err != nil {
			return fmt.Errorf("live: Nested(%q): sign its token: %w", name, err)
		}
		e := &nestEntry{id: id, parent: s.id, route: nestedRoute(name, v), info: s.cc.ConnectInfo(), kept: true}
		if err := s.srv.nests.put(e); err != nil {
			return fmt.Errorf("live: Nested(%q): %w", name, err)
		}
		c.entry, c.token = e, tok
	}
	return writeNestedRoot(w, c.entry.id, s.id, name, c.token, nil)
}

// renderNestedStatic renders, for a page's GET, the view s nests under
// name in place: mounted and rendered as a page's view is. A view the
// layout renders is kept for its join; one in the view's own markup is
// not, since the connected parent starts its own.
func (s *Socket) renderNestedStatic(ctx context.Context, w io.Writer, name string, v View, inLayout bool) error {
	id := s.nestedID(name)
	rt := nestedRoute(name, v)
	view := rt.newView() // v itself stays as the render gave it
	cs := &Socket{srv: s.srv, id: id, session: s.session, url: s.url, csrf: s.csrf, ctx: s.ctx}
	kept := false
	defer func() {
		if !kept {
			cs.async.stop()
		}
	}()
	s.srv.mounts.Add(1)
	if err := mountView(ctx, view, cs, rt, url.Values{}, nil); err != nil {
		return fmt.Errorf("live: Nested(%q): %w", name, err)
	}
	if to := cs.leavingTo(); to != "" {
		return fmt.Errorf("live: Nested(%q): Mount sent the browser to %q, which a nested view cannot do while its page renders", name, to)
	}
	out, err := renderGET(context.WithValue(ctx, socketKey{}, cs), view.Render)
	if err != nil {
		return fmt.Errorf("live: Nested(%q): %w", name, err)
	}
	if !inLayout {
		return writeNestedRoot(w, id, s.id, name, "", out)
	}
	tok, err := token.Sign(s.srv.signer, saltNested, nestedToken{ID: id, Parent: s.id, Name: name, Session: s.session})
	if err != nil {
		return fmt.Errorf("live: Nested(%q): sign its token: %w", name, err)
	}
	pv := &parkedView{route: rt, socket: cs}
	if s.srv.opts.MountOnce {
		pv.view = view
	}
	s.srv.nestParked.put(id, pv)
	kept = true
	return writeNestedRoot(w, id, s.id, name, tok, out)
}

// writeNestedRoot writes a nested view's root element around inner. The
// element is opaque to its parent's patches (live-update="ignore"): what
// is inside belongs to the nested view, which patches it itself.
func writeNestedRoot(w io.Writer, id, parent, name, session string, inner []byte) error {
	var b bytes.Buffer
	b.Grow(len(inner) + len(session) + 160)
	fmt.Fprintf(&b, `<div id="%s" data-live-root %s="%s" %s="%s"`, html.EscapeString(id), wire.AttrParent, html.EscapeString(parent), wire.AttrNested, html.EscapeString(name))
	if session != "" {
		fmt.Fprintf(&b, ` data-live-session="%s"`, html.EscapeString(session))
	}
	b.WriteString(` live-update="ignore">`)
	b.Write(inner)
	b.WriteString(`</div>`)
	_, err := w.Write(b.Bytes())
	return err
}

// nestedGroup is the group of nested views' routes: one no page is in, so
// no mount hooks run for them and no navigation reaches them.
const nestedGroup = "\x00nested"

// nestedRoute returns the route a nested view runs under: named after it,
// and making each new instance from a copy of v taken now, before
// anything mounted it.
func nestedRoute(name string, v View) *route {
	spec := copyView(v)
	return &route{pattern: "(nested) " + name, group: nestedGroup, newView: func() View { return copyView(spec) }}
}

// copyView returns a shallow copy of the struct v points to, so that a
// nested view starts anew from the value its parent rendered, with the
// same dependencies (a store, a client) in its fields. A view that is no
// pointer to a struct is its own copy.
func copyView(v View) View {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return v
	}
	c := reflect.New(rv.Elem().Type())
	c.Elem().Set(rv.Elem())
	return c.Interface().(View)
}

// nestJoin is what the join of a nested view resolved: its token as a
// page's would be, its route, the view its GET parked, if any, and its
// entry in the registry.
type nestJoin struct {
	tok    sessionToken
	route  *route
	parked *parkedView
	entry  *nestEntry
}

// joinNested resolves the join of a nested view, or returns nil when the
// session is not a nested view's. The view's parent must be joined on the
// same connection, and the server must keep the view: one its connected
// parent rendered, or one a layout rendered for the page's GET.
func (vc *viewChannel) joinNested(session string) (*nestJoin, error) {
	t, err := token.Verify[nestedToken](vc.srv.signer, saltNested, session, vc.srv.opts.SessionMaxAge)
	switch {
	case errors.Is(err, token.ErrExpired):
		return nil, refuse(wire.Refusal{Reason: wire.ReasonStale})
	case err != nil:
		return nil, nil // a page's session, or none: the page's checks decide
	}
	if wire.TopicPrefix+t.ID != vc.cc.Topic() {
		return nil, refuse(wire.Refusal{Reason: wire.ReasonUnauthorized})
	}
	// Whoever joined the parent on this connection may join what it nests.
	// After a reconnect, a nested view may ask before its parent: the
	// client retries, with backoff.
	info := vc.cc.ConnectInfo()
	parent, ok := vc.srv.views.Load(t.Parent)
	if !ok || parent.(*viewChannel).cc.ConnectInfo() != info {
		return nil, refuse(wire.Refusal{Reason: reasonNoParent})
	}
	e, pv, err := vc.srv.nests.attach(t.ID, t.Parent, info, vc, vc.srv.nestParked)
	if err != nil {
		return nil, err
	}
	vc.nest = e
	return &nestJoin{
		tok:    sessionToken{ID: t.ID, Route: e.route.pattern, Session: t.Session},
		route:  e.route,
		parked: pv,
		entry:  e,
	}, nil
}

// takeParked returns the view parked for the join of id, if any: the
// page's GET's (mount once), or a nested view's.
func (vc *viewChannel) takeParked(nest *nestJoin, id string) *parkedView {
	if nest == nil {
		return vc.srv.parked.take(id)
	}
	if pv := nest.parked; pv != nil && pv.view != nil {
		return pv
	}
	nest.parked.release()
	return nil
}

// abandonNested lets go of what a nested view's join took when the join
// failed, whether or not the view came to exist.
func (vc *viewChannel) abandonNested(nest *nestJoin, err error) {
	if nest == nil || err == nil {
		return
	}
	vc.srv.nests.detach(nest.entry, vc)
	nest.parked.release()
}

// endNested ends the views vc nests and lets go of vc's entry, if it is a
// nested view; it returns the reason vc ends with: the one its parent
// gave, if the parent ended it.
func (vc *viewChannel) endNested(reason error) error {
	if vc.s != nil {
		vc.s.nests.end(vc.srv)
	}
	if vc.nest == nil {
		return reason
	}
	if why := vc.srv.nests.detach(vc.nest, vc); why != nil {
		return why
	}
	return reason
}
