package livetest

import (
	"fmt"
	"time"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// peers are the views joined on one connection, by topic: the frames of
// one arrive while the test waits on another, and go to the view they
// are for.
type peers struct {
	byTopic map[string]*View
	ref     int // the last message ref of the connection
}

// Nested joins the view v renders under name with [live.Nested] — in its
// markup, or in the page's layout for a sticky view — over v's connection,
// as the browser does once v has joined, and returns it. The nested view
// is a View like any other: read its HTML, click inside it (its events go
// to it), Send it messages. v's HTML holds the nested view's element, not
// its content. The test fails if v renders no such view or its join is
// refused.
func (v *View) Nested(name string) *View {
	v.t.Helper()
	child, err := v.TryNested(name)
	if err != nil {
		v.t.Fatalf("livetest: nested view %q: %v\n%s", name, err, v.pretty())
	}
	return child
}

// TryNested is [View.Nested] for a join expected to fail: it returns the
// refusal as an error instead of failing the test.
func (v *View) TryNested(name string) (*View, error) {
	v.t.Helper()
	id := v.id + "-" + name
	session := v.layout[id]
	if el := elementByID(v.tree, id); el != nil {
		session, _ = el.Attr("data-live-session")
	}
	if session == "" {
		return nil, fmt.Errorf("no element #%s with a session in the view or its layout", id)
	}
	return v.JoinNested(id, session)
}

// JoinNested joins topic "lv:"+id with session over v's connection, as a
// nested view's join: for tests of what the server refuses (a session
// copied from another page, a view its parent no longer renders). It
// returns the joined view, or the refusal as an error.
func (v *View) JoinNested(id, session string) (*View, error) {
	v.t.Helper()
	if v.peers == nil {
		v.peers = &peers{byTopic: map[string]*View{v.topic: v}, ref: v.ref}
	}
	child := &View{c: v.c, t: v.t, ws: v.ws, frames: v.frames, done: v.done, shared: true, peers: v.peers, parent: v,
		id: id, session: session, csrf: v.csrf, url: v.url}
	v.peers.byTopic[wire.TopicPrefix+id] = child
	reason, err := child.join(wire.JoinPayload{})
	if err == nil && reason != nil {
		err = fmt.Errorf("join refused: %s", reason)
	}
	if err != nil {
		delete(v.peers.byTopic, wire.TopicPrefix+id)
		return nil, err
	}
	v.t.Cleanup(child.Close)
	return child, nil
}

// Ended reports whether the server ended the view (phx_close): a nested
// view its parent stopped rendering, or whose parent ended.
func (v *View) Ended() bool { return v.closed }

// AwaitEnded waits until the server ends the view; the test fails if it
// does not within [Timeout].
func (v *View) AwaitEnded() {
	v.t.Helper()
	deadline := time.NewTimer(Timeout)
	defer deadline.Stop()
	for !v.closed {
		select {
		case f, ok := <-v.frames:
			if !ok {
				v.t.Fatalf("livetest: connection closed before the view ended: %v", v.readErr)
			}
			if _, _, _, err := v.handle(f, ""); err != nil {
				v.t.Fatalf("livetest: %v", err)
			}
		case <-deadline.C:
			v.t.Fatalf("livetest: the view did not end within %s\n%s", Timeout, v.pretty())
		}
	}
}

// dispatch hands a frame for another view of the connection to that view.
func (v *View) dispatch(f frame) error {
	if v.peers == nil {
		return nil
	}
	o := v.peers.byTopic[f.Topic]
	if o == nil || o == v {
		return nil
	}
	_, _, _, err := o.handle(f, "")
	return err
}

// leaveShared leaves a view that shares its connection with others,
// which stays open.
func (v *View) leaveShared() {
	v.closeOnce.Do(func() {
		if !v.closed && v.topic != "" {
			v.send(v.joinRef, v.nextRef(), wire.ClientLeave, nil)
		}
		delete(v.peers.byTopic, v.topic)
	})
}

// elementByID returns the element of n whose id is id, or nil.
func elementByID(n *render.Node, id string) *render.Node {
	if n == nil {
		return nil
	}
	for i := range n.Children {
		c := &n.Children[i]
		if c.Type != render.ElementNode {
			continue
		}
		if got, _ := c.Attr("id"); got == id {
			return c
		}
		if found := elementByID(c, id); found != nil {
			return found
		}
	}
	return nil
}

// Navigate navigates the view live to path, as a live-navigate link in
// the page's layout does: the page's view is replaced over the same
// connection, and sticky views nested in the layout stay as they are. A
// path the server loads in full (another group, or no live view) ends the
// view with a redirect, as [View.Redirect] reports.
func (v *View) Navigate(path string) {
	v.t.Helper()
	v.navigated = path
	v.follow()
}
