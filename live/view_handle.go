package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime/debug"
	"time"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
)

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
	u, ok := resolveLocal(s.url, to)
	if !ok {
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
	vc.push(wire.ServerLivePatch, wire.LivePatch{To: u.RequestURI(), Kind: kind}.AppendJSON(nil))
	return nil
}

// end releases a view whose channel ended or will not run: it is no
// longer reachable with [Server.Send], its timers and async tasks stop,
// and it is told why. A panic in its Terminate is logged here, since
// nothing is left to crash.
func (vc *viewChannel) end(reason error) {
	reason = vc.endNested(reason)
	vc.endLife(reason)
	vc.uncharge()
	vc.endUploads(reason)
	if vc.s != nil {
		if vc.srv.views.CompareAndDelete(vc.s.id, vc) {
			vc.srv.connected.Add(-1)
		}
		vc.s.stopTimers()
		vc.s.async.stop()
	}
	if vc.cancel != nil {
		vc.cancel()
	}
	defer func() {
		if v := recover(); v != nil {
			vc.logger().Error("view Terminate panicked", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		}
	}()
	if vc.s != nil {
		vc.s.comps.end(reason)
	}
	if t, ok := vc.view.(Terminator); ok {
		t.Terminate(reason)
	}
}

// HandleIn runs a client event: "event" (a binding) or "live_patch" (a
// live-patch link or back/forward). The reply waits for the render.
func (vc *viewChannel) HandleIn(ctx context.Context, msg channel.Message) (channel.Reply, error) {
	ctx = vc.callCtx(ctx)
	if msg.Name == wire.ClientAllowUpload || msg.Name == wire.ClientUploadProgress {
		return vc.handleUpload(ctx, msg)
	}
	if r, ok := vc.admit(msg); !ok {
		return r, nil
	}
	switch msg.Name {
	case wire.ClientEvent:
		start := time.Now()
		w, err := wire.DecodeEvent(msg.Payload)
		if err != nil {
			return channel.ReplyReason(refusalReason(err)), nil
		}
		if w.Seq != 0 {
			if w.Seq <= vc.lastSeq {
				// Handled before the connection dropped, and re-sent by a
				// client that missed the reply: the render the client
				// lacks came with the resume, and a hook gets the reply
				// it was sent.
				if r := vc.replies.get(w.Seq); r != nil {
					return channel.ReplyOK(json.RawMessage(wire.Render{Reply: r}.AppendJSON(nil))), nil
				}
				return channel.ReplyOK(nil), nil
			}
			vc.lastSeq = w.Seq
		}
		ev := eventFromWire(w)
		if vc.cancelUploadEvent(ev, msg.Ref) || vc.clearFlashEvent(ev, msg.Ref) {
			return channel.NoReply, nil
		}
		var target any = vc.view
		if w.Component != "" {
			c, ok := vc.s.comps.get(w.Component)
			if !ok {
				vc.logger().Debug("event for a component the view does not render; dropped", "component", w.Component, "event", ev.Name)
				return channel.ReplyReason(wire.ReasonNoComponent), nil
			}
			target = c
		}
		vc.s.hookReply = nil
		// A component's events skip the view's event hooks.
		handled, err := vc.handleEvent(ctx, target, ev, w.Component, w.Component == "")
		if err != nil {
			return channel.NoReply, err
		}
		if !handled {
			if w.Component != "" {
				vc.logger().Debug("event for a component without HandleEvent; dropped", "component", w.Component, "event", ev.Name)
				return channel.ReplyReason("component " + w.Component + " handles no events"), nil
			}
			vc.logger().Debug("event for a view without HandleEvent; dropped", "event", ev.Name)
			return channel.ReplyReason("view handles no events"), nil
		}
		if w.Component != "" {
			vc.componentRan(w.Component)
		} else {
			vc.dirty = true
		}
		wt := waiting{ref: msg.Ref, start: start, seq: w.Seq}
		if ev.Type == EventHook {
			wt.reply = vc.s.hookReply
		}
		vc.s.hookReply = nil
		vc.waiting = append(vc.waiting, wt)
		return channel.NoReply, nil
	case wire.ClientLivePatch:
		p, err := wire.DecodeLivePatchRequest(msg.Payload)
		if err != nil {
			return channel.ReplyReason(refusalReason(err)), nil
		}
		u, err := url.Parse(p.URL)
		if err != nil {
			return channel.ReplyReason(wire.ReasonInvalidURL), nil
		}
		u = vc.onSite(u)
		rt, params, ok := vc.srv.resolve(ctx, u)
		if !ok || rt != vc.rt {
			return channel.ReplyReason(wire.ReasonNavigate), nil
		}
		vc.dirty = true
		if err := vc.handleParams(ctx, u, params); err != nil {
			return channel.NoReply, err
		}
		vc.waiting = append(vc.waiting, waiting{ref: msg.Ref})
		return channel.NoReply, nil
	}
	return channel.ReplyReason("unknown event " + msg.Name), nil
}

// handleEvent runs the event hooks, if hooks, and then, unless one
// halted, the HandleEvent of target: the view, or its component named
// component. All of it is observed as one [OpEvent]. It reports false
// when no hook halted ev and target handles no events.
func (vc *viewChannel) handleEvent(ctx context.Context, target any, ev Event, component string, hooks bool) (handled bool, err error) {
	var ob observing
	ctx = vc.observe(ctx, &ob, Op{Kind: OpEvent, Event: ev.Name, Component: component})
	defer ob.end(ctx, &err)
	if hooks {
		if halted, err := vc.s.eventHooks(ctx, ev); err != nil || halted {
			return true, err
		}
	}
	eh, ok := target.(EventHandler)
	if !ok {
		return false, nil
	}
	vc.countEvent(ev.Name)
	cb := callback{name: "HandleEvent", event: ev.Name, component: component}
	defer recoverCrash(&err, cb)
	return true, cb.failed(eh.HandleEvent(ctx, vc.s, ev))
}

// refusalReason returns what the client is told of a message the wire
// decoder refused.
func refusalReason(err error) string {
	if de, ok := errors.AsType[*wire.DecodeError](err); ok {
		return de.Reason
	}
	return "malformed message"
}

// HandleInfo hands a PubSub message (or a SendAfter) to the view.
func (vc *viewChannel) HandleInfo(ctx context.Context, m pubsub.Message) (err error) {
	ctx = vc.callCtx(ctx)
	switch p := m.Payload.(type) {
	case wire.Ping:
		vc.ping(p)
		return nil
	case asyncWake:
		return nil // Drained delivers the results
	case uploadWake:
		vc.uploadWoke()
		return nil
	case componentMsg:
		return vc.handleComponentMsg(ctx, p)
	}
	ih, ok := vc.view.(InfoHandler)
	if !ok && len(vc.s.hooks) == 0 {
		return nil
	}
	vc.dirty = true
	var ob observing
	ctx = vc.observe(ctx, &ob, Op{Kind: OpInfo, Msg: m.Payload})
	defer ob.end(ctx, &err)
	if halted, err := vc.s.infoHooks(ctx, m.Payload); err != nil || halted || !ok {
		return err
	}
	cb := callback{name: "HandleInfo", msg: m.Payload}
	defer recoverCrash(&err, cb)
	return cb.failed(ih.HandleInfo(ctx, vc.s, m.Payload))
}

// handleParams moves the view to u and runs its HandleParams with u's
// params: its query and the route's wildcards.
func (vc *viewChannel) handleParams(ctx context.Context, u *url.URL, params url.Values) error {
	vc.s.url = u
	op := Op{Kind: OpParams, Route: vc.rt.pattern, ViewID: vc.s.id, Connected: true}
	return vc.s.runParams(ctx, op, vc.view, params)
}

// Terminate ends the view: timers stop, and the view is told why; a crash
// reaches it wrapped in [ErrViewCrashed].
func (vc *viewChannel) Terminate(reason error) {
	if errors.Is(reason, channel.ErrChannelCrashed) || errors.Is(reason, channel.ErrMailboxOverflow) {
		// The channel has logged the crash, with this view's LogValue.
		reason = &crashError{cause: reason}
	}
	vc.end(reason)
}

// LogValue describes the view in the lines the channel logs about it.
func (vc *viewChannel) LogValue() slog.Value {
	if vc.rt == nil || vc.s == nil {
		return slog.StringValue("view not joined")
	}
	return slog.GroupValue(slog.String("route", vc.rt.pattern), slog.String("id", vc.s.id))
}
