package live

import (
	"context"
	"net/url"
	"slices"
)

// A MountHook runs before the Mount of every view of a group of pages
// ([Server.OnMount]), on the page's GET and again when the browser joins,
// as Phoenix's on_mount does: the place for what every page of the group
// needs, so that no Mount can forget it — load the signed-in user from
// [Socket.Session], refuse a visitor who is not (with [Socket.Redirect]),
// give the view the user, attach event hooks ([Socket.OnEvent]).
//
// v is the view about to be mounted, not mounted yet: a hook hands it
// what it loaded through an interface of the application's own, such as
// interface{ SetUser(*User) }. A hook that sends the browser elsewhere
// (Redirect, PushNavigate) halts the chain: neither the later hooks nor
// the view's Mount run, and the GET answers with a redirect, the join
// with a refusal that sends the browser there. An error is a failed Mount:
// 500 on the GET, a crash of the view when it joins.
type MountHook func(ctx context.Context, s *Socket, v View, params url.Values) error

// OnMount adds hooks that run, in order, before the Mount of every view
// of the pages of group ([Group]; "" for the pages without one),
// whenever the pages were registered. Call it before serving.
func (srv *Server) OnMount(group string, hooks ...MountHook) {
	srv.hooksMu.Lock()
	defer srv.hooksMu.Unlock()
	if srv.mountHooks == nil {
		srv.mountHooks = map[string][]MountHook{}
	}
	srv.mountHooks[group] = append(srv.mountHooks[group], hooks...)
}

// groupHooks returns the mount hooks of group.
func (srv *Server) groupHooks(group string) []MountHook {
	srv.hooksMu.RLock()
	defer srv.hooksMu.RUnlock()
	return srv.mountHooks[group]
}

// An attached hook is a function that a view or a mount hook attached to
// its socket, to run before the view's own callbacks.
type attached struct {
	name   string
	event  func(ctx context.Context, s *Socket, ev Event) (halt bool, err error)
	info   func(ctx context.Context, s *Socket, msg any) (halt bool, err error)
	params func(ctx context.Context, s *Socket, params url.Values) (halt bool, err error)
}

// OnEvent attaches fn, under name, to run before the view's HandleEvent
// for every event of the view (not those its components handle), as
// Phoenix's attach_hook(:handle_event) does: a keyboard shortcut every
// page of a group has, analytics. Hooks run in the order they were
// attached; one that returns halt stops the chain, and the event is
// handled — the view renders and the browser's event is answered —
// without the later hooks or HandleEvent. An error crashes the view.
// Attaching another hook under the same name replaces it. Attach hooks in
// Mount or a [MountHook].
func (s *Socket) OnEvent(name string, fn func(ctx context.Context, s *Socket, ev Event) (halt bool, err error)) {
	s.attach(attached{name: name, event: fn})
}

// OnInfo attaches fn, under name, to run before the view's HandleInfo for
// every message it receives, as [Socket.OnEvent] attaches one to events.
func (s *Socket) OnInfo(name string, fn func(ctx context.Context, s *Socket, msg any) (halt bool, err error)) {
	s.attach(attached{name: name, info: fn})
}

// OnParams attaches fn, under name, to run before the view's HandleParams
// each time the page's params change (and after Mount), as
// [Socket.OnEvent] attaches one to events.
func (s *Socket) OnParams(name string, fn func(ctx context.Context, s *Socket, params url.Values) (halt bool, err error)) {
	s.attach(attached{name: name, params: fn})
}

// DetachHook removes the hook attached under name.
func (s *Socket) DetachHook(name string) {
	s.hooks = slices.DeleteFunc(s.hooks, func(h attached) bool { return h.name == name })
}

// attach adds h, replacing the hook of the same name.
func (s *Socket) attach(h attached) {
	if i := slices.IndexFunc(s.hooks, func(a attached) bool { return a.name == h.name }); i >= 0 {
		s.hooks[i] = h
		return
	}
	s.hooks = append(s.hooks, h)
}

// runHooks runs the hooks of one stage (those whose field call reads) in
// order, and reports whether one halted. A hook's error is the
// view's crash, naming the hook.
func (s *Socket) runHooks(stage string, call func(h attached) (halt bool, err error)) (halted bool, err error) {
	// A hook may attach or detach hooks: run those attached when the
	// stage began.
	for _, h := range slices.Clone(s.hooks) {
		cb := callback{name: stage + " hook " + h.name}
		halt, err := func() (halt bool, err error) {
			defer recoverCrash(&err, cb)
			halt, err = call(h)
			return halt, cb.failed(err)
		}()
		if err != nil || halt {
			return halt, err
		}
	}
	return false, nil
}

// eventHooks runs the event hooks before the view handles ev.
func (s *Socket) eventHooks(ctx context.Context, ev Event) (halted bool, err error) {
	return s.runHooks("HandleEvent", func(h attached) (bool, error) {
		if h.event == nil {
			return false, nil
		}
		return h.event(ctx, s, ev)
	})
}

// infoHooks runs the info hooks before the view handles msg.
func (s *Socket) infoHooks(ctx context.Context, msg any) (halted bool, err error) {
	return s.runHooks("HandleInfo", func(h attached) (bool, error) {
		if h.info == nil {
			return false, nil
		}
		return h.info(ctx, s, msg)
	})
}

// paramsHooks runs the params hooks before the view handles params.
func (s *Socket) paramsHooks(ctx context.Context, params url.Values) (halted bool, err error) {
	return s.runHooks("HandleParams", func(h attached) (bool, error) {
		if h.params == nil {
			return false, nil
		}
		return h.params(ctx, s, params)
	})
}
