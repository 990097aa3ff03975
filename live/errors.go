package live

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/templive/templive/live/channel"
)

// Errors of live views and sessions. Compare with [errors.Is]; they may be
// wrapped with context.
var (
	// ErrNotConnected is returned by Socket methods that need the live
	// connection, such as Subscribe, while the view renders for the HTTP
	// GET.
	ErrNotConnected = errors.New("live: view not connected")
	// ErrViewCrashed wraps the panic or error that ended a view; the
	// browser is told, rejoins, and the view is mounted again.
	ErrViewCrashed = errors.New("live: view crashed")
	// ErrNoView is returned by [Server.Send] for a view id that is not
	// connected to this server.
	ErrNoView = errors.New("live: no such view")
	// ErrDecode is wrapped by the errors of [DecodeForm] and
	// [Event.Decode].
	ErrDecode = errors.New("live: cannot decode form")
	// ErrAsyncPanicked is wrapped by the error of an async task that
	// panicked ([Async.Load], [StartAsync]).
	ErrAsyncPanicked = errors.New("live: async task panicked")
	// ErrAsyncCanceled is the error of an [Async] whose task was
	// cancelled with [Async.Cancel], or could not start because the
	// server is shutting down. It matches [context.Canceled].
	ErrAsyncCanceled = fmt.Errorf("live: async task canceled: %w", context.Canceled)
)

// notConnectedError is the error of a Socket method that needs the live
// connection, called while the view renders for the page's GET. It names
// the call and the fix, since the usual cause is a Mount that forgot that
// it runs twice, and matches [ErrNotConnected].
type notConnectedError struct {
	call string // "Subscribe(\"posts\")"
	fix  string // "subscribe only if s.Connected()"
}

func (e *notConnectedError) Error() string {
	return "live: " + e.call + " in a disconnected Mount (the page's GET, before the browser connects): " + e.fix
}

func (e *notConnectedError) Is(target error) bool { return target == ErrNotConnected }

// crashError is the reason a crashed view's Terminate receives: it matches
// [ErrViewCrashed] and the channel's error, and says what crashed once.
type crashError struct {
	cause error
}

func (e *crashError) Error() string {
	var ce *channel.CrashError
	if errors.As(e.cause, &ce) {
		return "live: view crashed in " + ce.Op + ": " + ce.Err.Error()
	}
	return "live: view crashed: " + strings.TrimPrefix(e.cause.Error(), "channel: ")
}

func (e *crashError) Unwrap() []error { return []error{ErrViewCrashed, e.cause} }
