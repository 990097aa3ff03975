package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"slices"

	"github.com/a-h/templ"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/pubsub"
)

// ErrComponentRemoved is the reason a component's [Terminator] receives
// when a render of its view no longer renders it.
var ErrComponentRemoved = errors.New("live: component removed from the view's markup")

// A ComponentMounter is a component that sets itself up when it first
// appears in its view's markup, before its first render: load what it
// shows, as a view's Mount does. It runs once per component id, on the
// view's goroutine, while the view renders; s is the view's socket.
// Before the browser connects (the page's GET) it runs too, and again for
// the connected view, as a view's Mount does. An error crashes the view
// (or fails the GET).
type ComponentMounter interface {
	Mount(ctx context.Context, s *Socket) error
}

// An Updater is a component that takes new inputs from its view. Each
// render of the view builds the component anew — @live.Component("cart",
// &Cart{Items: v.Items}) — but only the first value is kept: on later
// renders the kept one, whose state lives on, is handed the new value as
// next, from which it copies what its view owns (the items) and keeps
// what it owns itself (whether it is open). Without Update the values of
// later renders are ignored. T is the type the component was rendered as.
type Updater[T any] interface {
	Update(ctx context.Context, s *Socket, next T) error
}

// Component renders c as a stateful component of the view being rendered,
// under id: a part of the page with its own state and its own events, as
// Phoenix's live_component. In a view's templ markup:
//
//	@live.Component("cart", &Cart{Items: v.Items})
//
// c is any value with a Render method, like a view's. The first render of
// an id keeps c (and mounts it, if it is a [ComponentMounter]); later
// renders of the same id render the kept value, whose fields are its
// state, after handing it the new c if it is an [Updater]. A render of
// the view that no longer renders an id forgets its component (its
// [Terminator] is told [ErrComponentRemoved]); an id rendered again with
// a value of another type starts a new component.
//
// The events of the elements inside a component go to the component's
// [EventHandler], not the view's: an element's events go to the nearest
// live-target or component around it. live-target="view" sends them to
// the view, and live-target="<id>" to the component id of the same view.
// [Socket.SendUpdate] hands a component a message from its view, and
// [Socket.Send] one from a component to its view.
//
// A component renders one root element, which gets the attribute
// live-component="<id>"; markup that has none, or more than one (or text
// after it), is an error, since the events of what is outside the root
// would reach the view. Ids are unique in a view: two components with
// the same id in one render are an error, which crashes the view (or
// fails the GET). The id "view" is reserved. Outside a view's render, c
// renders as a plain templ component would.
//
// # Rendering
//
// When the callbacks that ran since the view's last render are only
// components' own — their HandleEvent, or HandleInfo for a SendUpdate —
// only those components render again, alone, with the context they last
// rendered with, and their HTML replaces theirs in the view's last render;
// only what changed inside them is parsed and diffed, and the patch is the
// one a render of the whole view would give. So a component's render must
// depend on its own state and on the inputs its view gave it, not on state
// it shares with its view: what else a component changes (its view's
// state through a pointer) shows at the view's next render. To change its
// view, a component sends it a message with [Socket.Send]; any callback of
// the view, or a change to the flash or uploads, renders the whole view.
// A component renders alone only when it was written to the writer its
// view's render was given, as templ's generated code writes; one written
// through a writer of the view's own renders with its view.
//
// # In streams
//
// A [Stream]'s items are rendered once and then forgotten by the server,
// but a component whose root element is a stream item — it renders the
// item's element, with the item's DOM id — is kept while the browser
// shows the item, although later renders of the view do not render it:
//
//	for _, it := range v.Posts.Items() {
//		@live.Component(it.ID, &PostCard{DOMID: it.ID, Post: it.Value})
//	}
//
// Its events and [Socket.SendUpdate] reach it as any component's do; its
// own callbacks render it alone, and the browser gets the result as a
// stream insert of its item, which replaces the item where it stands; the
// rest of the page is neither rendered nor diffed. An update of the item
// by its view ([Stream.Update], an insert of the same DOM id) renders the
// kept component with the new value, through Update. The component ends,
// told [ErrComponentRemoved], when its item leaves: [Stream.Delete] or
// [Stream.DeleteID] of the item, or [Stream.Reset] of its stream (an item
// the reset inserts again keeps its component). For a stream with a
// limit ([Stream.SetLimit]) the view applies the stream's operations to
// the DOM ids of its items, as the browser does, and ends the components
// of the items the limit trims when the browser drops them; a limit
// should be set before the first insert, or items shown before it are not
// counted. A view keeps the components of 1,000 stream items at most,
// over all its streams: past that the oldest end, and events from their
// items, still shown, are refused as for any component the view no
// longer has. Components rendered inside such a component are kept and
// render with it.
//
// A component inside a stream item that is not the item's root element
// cannot be rendered alone (the item's markup around it is nowhere on the
// server), so a render that inserts one is an error, which crashes the
// view. The component's root element must keep the item's id: a render
// alone that gives it another is an error too.
func Component[T interface{ Render() templ.Component }](id string, c T) templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		if id == "" || id == wire.TargetView {
			return fmt.Errorf("live: component id %q is reserved", id)
		}
		if s := SocketFrom(ctx); s != nil {
			m, err := keepComponent(ctx, s, id, c)
			if err != nil {
				return err
			}
			return s.comps.write(ctx, w, m)
		}
		var buf bytes.Buffer
		if err := c.Render().Render(ctx, &buf); err != nil {
			return err
		}
		_, _, err := writeMarked(w, buf.Bytes(), id)
		return err
	})
}

// keepComponent returns the component the view keeps under id for this
// render, mounting c or updating the kept one with it.
func keepComponent[T renderer](ctx context.Context, s *Socket, id string, c T) (*mounted, error) {
	m := s.comps.byID[id]
	if m != nil && m.pass == s.comps.pass {
		return nil, fmt.Errorf("live: two components with id %q in one render of the view", id)
	}
	if m != nil && s.comps.outside(m) {
		s.comps.rec.outside = true // even if the markup drops the error
		return nil, errOutside
	}
	if m != nil {
		if kept, ok := m.value.(T); ok {
			m.pass = s.comps.pass
			if u, ok := any(kept).(Updater[T]); ok {
				if err := u.Update(ctx, s, c); err != nil {
					return nil, fmt.Errorf("live: component %q: Update: %w", id, err)
				}
			}
			return m, nil
		}
		// The same id with another type is another component.
		if m.item != nil {
			delete(s.comps.items, itemKey{m.item.stream, m.item.id})
		}
		terminateComponent(m, ErrComponentRemoved)
	}
	if s.comps.byID == nil {
		s.comps.byID = map[string]*mounted{}
	}
	m = &mounted{id: id, value: c, pass: s.comps.pass, start: -1}
	s.comps.byID[id] = m
	if cm, ok := any(c).(ComponentMounter); ok {
		if err := cm.Mount(ctx, s); err != nil {
			return nil, fmt.Errorf("live: component %q: Mount: %w", id, err)
		}
	}
	return m, nil
}

// writeMarked writes a component's HTML to w with live-component="id"
// added to its root element.
// It returns where in out it inserted the attribute, and its length.
func writeMarked(w io.Writer, out []byte, id string) (at, added int, err error) {
	i := rootNameEnd(out)
	if i < 0 {
		return 0, 0, fmt.Errorf("live: component %q renders no root element", id)
	}
	if bytes.HasPrefix(out[i:], []byte(" live-component=")) {
		return 0, 0, fmt.Errorf("live: component %q's root element is another component's; wrap it in an element of its own", id)
	}
	start := bytes.IndexByte(out, '<')
	if _, _, next, ok := startTagAt(out, start); ok && bytes.Contains(out[i:next], []byte(" data-live-root")) {
		// The browser would send the nested view's events to a component
		// of this id, which the nested view does not have.
		return 0, 0, fmt.Errorf("live: component %q's root element is a nested view's; wrap it in an element of its own", id)
	}
	// What follows the root element is outside the component: the
	// browser would send its events to the view.
	if end := rootEnd(out, start); end >= 0 && !onlySpace(out[end:]) {
		return 0, 0, fmt.Errorf("live: component %q renders more than one root element (or text after its root); wrap them in one element", id)
	}
	if _, err := w.Write(out[:i]); err != nil {
		return 0, 0, err
	}
	// In pieces: a render writes one per component.
	esc := html.EscapeString(id)
	for _, s := range [...]string{` live-component="`, esc, `"`} {
		if _, err := io.WriteString(w, s); err != nil {
			return 0, 0, err
		}
	}
	_, err = w.Write(out[i:])
	return i, len(` live-component=""`) + len(esc), err
}

// rootNameEnd returns the offset just after the tag name of the element
// out starts with (after white space), or -1 if it starts with no start
// tag.
func rootNameEnd(out []byte) int {
	i := 0
	for i < len(out) && (out[i] == ' ' || out[i] == '\t' || out[i] == '\n' || out[i] == '\r' || out[i] == '\f') {
		i++
	}
	if i+1 >= len(out) || out[i] != '<' || !isASCIILetter(out[i+1]) {
		return -1
	}
	i += 2
	for i < len(out) && out[i] != ' ' && out[i] != '\t' && out[i] != '\n' && out[i] != '\r' && out[i] != '\f' && out[i] != '/' && out[i] != '>' {
		i++
	}
	return i
}

// rootEnd returns the offset just past the end tag of the element out
// starts with, whose start tag is at i, or -1 when the markup does not
// say where it ends. It follows end tags by name, as the browser closes
// what is open down to the element named, and skips comments, the text of
// raw text elements and the quoted values of attributes. It leaves the
// end tags a parser would imply (an <li> closing the one before) open, so
// it may find no end where there is one, never an end too early.
func rootEnd(out []byte, i int) int {
	var open []string // the elements open, the root first
	foreign := 0      // how many of them are svg or math: "/>" closes there
	p := i
	for {
		name, selfClosing, next, ok := startTagAt(out, p)
		if !ok {
			return -1
		}
		p = next
		switch {
		case voidElement(name):
		case selfClosing && foreign > 0:
		case rawTextElement(name):
			// Its text ends at its own end tag only.
			e := indexEndTag(out[p:], name)
			if e < 0 {
				return -1
			}
			p += e
		default:
			open = append(open, name)
			if name == "svg" || name == "math" {
				foreign++
			}
		}
		for len(open) > 0 {
			// The next tag: a comment is skipped, an end tag closes what
			// it names, a start tag is read by the outer loop.
			lt := bytes.IndexByte(out[p:], '<')
			if lt < 0 {
				return -1
			}
			p += lt
			rest := out[p:]
			switch {
			case bytes.HasPrefix(rest, []byte("<!--")):
				e := bytes.Index(rest[4:], []byte("-->"))
				if e < 0 {
					return -1
				}
				p += 4 + e + 3
				continue
			case len(rest) > 2 && rest[1] == '/' && isASCIILetter(rest[2]):
				n := 2
				for n < len(rest) && !isTagSpace(rest[n]) && rest[n] != '/' && rest[n] != '>' {
					n++
				}
				name := string(bytes.ToLower(rest[2:n]))
				gt := bytes.IndexByte(rest[n:], '>')
				if gt < 0 {
					return -1
				}
				p += n + gt + 1
				if k := slices.Index(open, name); k >= 0 {
					for _, o := range open[k:] {
						if o == "svg" || o == "math" {
							foreign--
						}
					}
					open = open[:k]
				}
				continue
			case len(rest) > 1 && isASCIILetter(rest[1]):
			default:
				p++ // a "<" of text, or a declaration read as text
				continue
			}
			break // a start tag, read by the outer loop
		}
		if len(open) == 0 {
			return p
		}
	}
}

// startTagAt reads the start tag at p: its lower-cased name, whether it
// ends in "/>", and the offset past its ">".
func startTagAt(out []byte, p int) (name string, selfClosing bool, next int, ok bool) {
	if p+1 >= len(out) || out[p] != '<' || !isASCIILetter(out[p+1]) {
		return "", false, 0, false
	}
	n := p + 1
	for n < len(out) && !isTagSpace(out[n]) && out[n] != '/' && out[n] != '>' {
		n++
	}
	name = string(bytes.ToLower(out[p+1 : n]))
	// Attributes: a ">" ends the tag unless it is in a quoted value.
	var quote byte
	for ; n < len(out); n++ {
		c := out[n]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			// A quote opens a value only after "=" (and space): elsewhere
			// it is part of a name, which is rare enough to ignore.
			quote = c
		case c == '>':
			return name, n > p+1 && out[n-1] == '/', n + 1, true
		}
	}
	return "", false, 0, false
}

// indexEndTag returns the offset of the end of the end tag of name in s,
// matched without regard to case, or -1.
func indexEndTag(s []byte, name string) int {
	for i := 0; ; {
		j := bytes.Index(s[i:], []byte("</"))
		if j < 0 {
			return -1
		}
		i += j + 2
		if k := i + len(name); k < len(s) && bytes.EqualFold(s[i:k], []byte(name)) && (isTagSpace(s[k]) || s[k] == '/' || s[k] == '>') {
			gt := bytes.IndexByte(s[k:], '>')
			if gt < 0 {
				return -1
			}
			return k + gt + 1
		}
	}
}

func voidElement(name string) bool {
	switch name {
	case "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta", "param", "source", "track", "wbr":
		return true
	}
	return false
}

// rawTextElement reports whether the text of the element name is not
// markup: a "<" in it opens no tag.
func rawTextElement(name string) bool {
	switch name {
	case "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "noscript":
		return true
	}
	return false
}

func isTagSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' }

// onlySpace reports whether b holds nothing but white space and comments.
func onlySpace(b []byte) bool {
	for len(b) > 0 {
		switch {
		case isTagSpace(b[0]):
			b = b[1:]
		case bytes.HasPrefix(b, []byte("<!--")):
			e := bytes.Index(b[4:], []byte("-->"))
			if e < 0 {
				return false
			}
			b = b[4+e+3:]
		default:
			return false
		}
	}
	return true
}

func isASCIILetter(b byte) bool { return 'a' <= b|0x20 && b|0x20 <= 'z' }

// components are the components a view keeps, by id.
type components struct {
	byID map[string]*mounted
	pass uint64 // the render under way, or the last one

	// Where the components are in the connected view's last render (see
	// component_render.go).
	rec       *recorder
	recording bool   // the connected view is rendering, or a component alone
	html      []byte // the render the components' spans are in

	// The stream items whose root elements are components, which the view
	// keeps while the browser shows them (see stream_component.go).
	items   map[itemKey]*streamedItem
	itemSeq uint64
	order   map[string][]string // by stream with a limit: its items' ids, as the browser shows them
}

// mounted is a component a view keeps: its value, the last render that
// rendered it, and what it takes to render it alone again.
type mounted struct {
	id    string
	value any // a renderer
	pass  uint64

	ctx        context.Context // the context it was last rendered with; nil: never rendered
	parent     *mounted        // the component it was rendered in, or nil
	start, end int             // its bytes in components.html; start < 0: not known
	item       *streamedItem   // the stream item whose root element it is, or nil
}

// renderer is what [Component] renders: a value with a Render method.
type renderer interface{ Render() templ.Component }

// begin starts a render of the view: the components it renders are
// marked with its pass.
func (cs *components) begin() { cs.pass++ }

// sweep forgets the components the render that just ended did not render,
// telling those that are [Terminator]s, but for those of stream items the
// browser still shows.
func (cs *components) sweep() {
	for id, m := range cs.byID {
		if m.pass != cs.pass && !cs.keptForItem(m) {
			delete(cs.byID, id)
			terminateComponent(m, ErrComponentRemoved)
		}
	}
}

// end forgets every component: the view ended.
func (cs *components) end(reason error) {
	cs.forgetItems()
	for id, m := range cs.byID {
		delete(cs.byID, id)
		terminateComponent(m, reason)
	}
}

// get returns the component kept under id.
func (cs *components) get(id string) (any, bool) {
	m, ok := cs.byID[id]
	if !ok {
		return nil, false
	}
	return m.value, true
}

// terminateComponent tells a component that is a [Terminator] why it
// ends.
func terminateComponent(m *mounted, reason error) {
	if t, ok := m.value.(Terminator); ok {
		t.Terminate(reason)
	}
}

// componentMsg is a message for a component, sent with
// [Socket.SendUpdate] or [Server.SendUpdate].
type componentMsg struct {
	id  string
	msg any
}

// SendUpdate delivers msg to the [InfoHandler] of the component id of
// this view, on the view's goroutine, after the current callback — the
// way a view updates one of its components (Phoenix's send_update). The
// view renders after it. A message for an id the view no longer renders
// is dropped; one for a component that is no InfoHandler crashes the
// view. It is safe to call from any goroutine and does nothing before the
// browser connects.
func (s *Socket) SendUpdate(id string, msg any) {
	if s.connected {
		s.mailbox.Send(pubsub.Message{Payload: componentMsg{id: id, msg: msg}})
	}
}

// Send delivers msg to the view's own [InfoHandler], on the view's
// goroutine, after the current callback: how a component tells its view
// something (Phoenix's send(self(), msg)). It is safe to call from any
// goroutine and does nothing before the browser connects.
func (s *Socket) Send(msg any) {
	if s.connected {
		s.mailbox.Send(pubsub.Message{Payload: msg})
	}
}

// SendUpdate delivers msg to the component componentID of the connected
// view viewID, as [Socket.SendUpdate] does. It returns [ErrNoView] when no
// such view is connected to this server.
func (srv *Server) SendUpdate(viewID, componentID string, msg any) error {
	return srv.Send(viewID, componentMsg{id: componentID, msg: msg})
}

// handleComponentMsg hands a [Socket.SendUpdate] message to its
// component.
func (vc *viewChannel) handleComponentMsg(ctx context.Context, m componentMsg) error {
	c, ok := vc.s.comps.get(m.id)
	if !ok {
		vc.logger().Debug("message for a component the view does not render; dropped", "component", m.id, "msg", fmt.Sprintf("%T", m.msg))
		return nil
	}
	cb := callback{name: "HandleInfo", msg: m.msg, component: m.id}
	ih, ok := c.(InfoHandler)
	if !ok {
		return cb.failed(fmt.Errorf("live: SendUpdate(%q, %T): component %T handles no messages (it has no HandleInfo)", m.id, m.msg, c))
	}
	vc.componentRan(m.id)
	return vc.observed(ctx, Op{Kind: OpInfo, Msg: m.msg, Component: m.id}, cb, func(ctx context.Context) error {
		return ih.HandleInfo(ctx, vc.s, m.msg)
	})
}
