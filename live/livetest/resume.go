package livetest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/render"
)

// unacked is an event sent with [View.SendEvent] whose reply has not
// arrived: [View.Resume] sends it again.
type unacked struct {
	seq     uint64
	payload []byte
}

// SendEvent sends an event as a binding would, numbered as the browser
// numbers its events, and returns without waiting for the reply, which
// the view applies whenever it next reads the connection (any later call
// that waits, such as [View.Sync]). A test sends one, then
// [View.Drop]s the connection, to see that [View.Resume] gets it applied
// exactly once.
func (v *View) SendEvent(typ, name string, values url.Values) {
	v.t.Helper()
	v.seq++
	ev := bindingEvent(typ, name, values)
	ev.Seq = v.seq
	payload := ev.AppendJSON(nil)
	ref := v.nextRef()
	if v.unacked == nil {
		v.unacked = map[string]unacked{}
	}
	v.unacked[ref] = unacked{seq: v.seq, payload: payload}
	if v.dropped {
		return // queued, as the browser queues it, for Resume
	}
	if err := v.send(v.joinRef, ref, wire.ClientEvent, payload); err != nil {
		v.t.Fatalf("livetest: send event %q: %v", name, err)
	}
}

// Version returns the version of the last render the view applied, which
// a rejoin names to resume.
func (v *View) Version() uint64 { return v.version }

// Drop cuts the view's connection as a failing network does: no leave and
// no close frame. Frames the server sent that the view has not read yet
// are lost, and the events [View.SendEvent] sent that were not answered
// wait for [View.Resume].
func (v *View) Drop() {
	v.t.Helper()
	if v.ws == nil || v.dropped {
		return
	}
	v.dropped = true
	close(v.done)
	v.ws.Close()
	v.wg.Wait()
}

// Resume reconnects a dropped view and rejoins as the browser does after
// a lost connection: asking to resume with the version of the last render
// it applied. It reports whether the server resumed the view (the reply
// then carries only the renders the view lacked, applied in order) or
// mounted it anew (the reply carries the whole HTML). Once resumed, it
// sends again, in order, the events the server had not answered, and
// waits for their replies; after a remount it forgets them, as the
// browser does. The test fails if the join is refused.
func (v *View) Resume() bool {
	v.t.Helper()
	return v.ResumeAt(v.version)
}

// ResumeAt is [View.Resume] naming version instead of the one the view
// applied: a test of a client that lies.
func (v *View) ResumeAt(version uint64) bool {
	v.t.Helper()
	resumed, err := v.resume(version)
	if err != nil {
		v.t.Fatalf("livetest: resume: %v", err)
	}
	return resumed
}

// TryResume is [View.Resume] for a rejoin expected to be refused: it
// returns the refusal, or what went wrong, instead of failing the test.
func (v *View) TryResume() error {
	v.t.Helper()
	_, err := v.resume(v.version)
	return err
}

// Impersonate returns a view of c that claims to be v, a view of any
// client: v's view id, signed session (or session, when not ""), URL,
// version and tree, with c's cookies. It is not connected; Resume
// connects it and asks to resume v. With v's own client, it is the same
// page reconnecting on a second connection; with another client, a
// browser that obtained v's page.
func (c *Client) Impersonate(v *View, session string) *View {
	c.t.Helper()
	if session == "" {
		session = v.session
	}
	w := &View{c: c, t: c.t, id: v.id, session: session, csrf: v.csrf, url: v.url, version: v.version, dropped: true}
	if v.tree != nil {
		w.tree = v.tree.Clone()
	}
	if c != v.c {
		// The CSRF token of c's own pages, which its cookie goes with.
		w.csrf = c.lastCSRF
	}
	c.t.Cleanup(w.Close)
	return w
}

// Session returns the signed session of the view's page.
func (v *View) Session() string { return v.session }

// resume reconnects and rejoins asking to resume at version; see Resume.
func (v *View) resume(version uint64) (bool, error) {
	if !v.dropped {
		v.Drop()
	}
	if err := v.connect(); err != nil {
		return false, fmt.Errorf("reconnect: %w", err)
	}
	v.dropped = false
	v.resuming = true
	reason, err := v.join(wire.JoinPayload{Resume: true, Version: version})
	v.resuming = false
	if err != nil {
		return false, err
	}
	if reason != nil {
		return false, fmt.Errorf("refused: %s", reason)
	}
	pending := v.unacked
	v.unacked = nil
	if !v.resumed {
		return false, nil
	}
	refs := make([]string, 0, len(pending))
	for ref := range pending {
		refs = append(refs, ref)
	}
	slices.SortFunc(refs, func(a, b string) int { return cmp.Compare(pending[a].seq, pending[b].seq) })
	v.resent = v.resent[:0]
	for _, ref := range refs {
		resp, err := v.tryPush(wire.ClientEvent, pending[ref].payload)
		if err != nil {
			return true, err
		}
		r, err := wire.DecodeRender(resp)
		if err != nil {
			return true, fmt.Errorf("reply %s: %w", resp, err)
		}
		v.resent = append(v.resent, r.Reply)
	}
	return true, nil
}

// ResentReplies returns the hook replies to the events the last
// [View.Resume] sent again, in the order sent: nil for an event answered
// without one. A hook that asked for a reply gets it whether its event
// was handled before the connection dropped or after the resume.
func (v *View) ResentReplies() []json.RawMessage { return v.resent }

// joined takes the reply of a join: the whole HTML, or the renders the
// view lacks when the server resumed it.
func (v *View) joined(resp json.RawMessage) error {
	r, err := wire.DecodeJoinReply(resp)
	if err != nil {
		return fmt.Errorf("join reply %s: %w", resp, err)
	}
	v.resumed = r.Patched
	if r.Patched {
		if v.tree == nil {
			return fmt.Errorf("join reply without html for a view that has none: %s", resp)
		}
		for _, m := range r.Renders {
			if err := v.applyRender(m); err != nil {
				return err
			}
		}
		if v.resuming && v.version != r.Version {
			return fmt.Errorf("resumed at version %d, applied up to %d", r.Version, v.version)
		}
	} else {
		tree, err := render.ParseFragment([]byte(r.HTML))
		if err != nil {
			return fmt.Errorf("join reply html: %w", err)
		}
		v.tree = tree
	}
	v.version = r.Version
	if r.Title != "" {
		v.title = r.Title
	}
	return nil
}

// JoinPatched reports whether the view's last join patched what the page
// showed (a resume, or the adoption of the view its GET mounted) rather
// than replacing it with the whole HTML.
func (v *View) JoinPatched() bool { return v.resumed }
