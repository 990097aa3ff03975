package live

import (
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"

	"github.com/templive/templive/live/channel"
)

// A callback names a callback of the user's that the runtime is about to
// run, for the crash it may cause: the channel's log line and the view's
// Terminate then say what the user wrote (`HandleEvent "save"`,
// "Render") rather than which of the channel's callbacks was running.
// Building one formats nothing, so naming costs nothing on the way of
// every event; the name is formatted only when the callback fails.
type callback struct {
	name  string // the view's method, or the API the function was given to: "HandleEvent", "StartAsync"
	event string // what it ran for, if named: an event's name, a task's name
	msg   any    // the message HandleInfo received, named by its type
	// component is the id of the component whose callback it is, if any.
	component string
}

// op returns the callback's name, as [channel.CrashError.Op] holds it.
func (cb callback) op() string {
	op := cb.name
	switch {
	case cb.msg != nil:
		op = fmt.Sprintf("%s %T", cb.name, cb.msg)
	case cb.event != "":
		op = cb.name + " " + strconv.Quote(cb.event)
	}
	if cb.component != "" {
		op += " of component " + strconv.Quote(cb.component)
	}
	return op
}

// failed returns the error that crashes the view when cb returned err, or
// nil when err is nil.
func (cb callback) failed(err error) error {
	if err == nil {
		return nil
	}
	return &channel.CrashError{Op: cb.op(), Err: err}
}

// recoverCrash, deferred around a call of cb, turns a panic in cb into the
// [channel.CrashError] *err returns, with the stack: the view crashes as
// for a returned error, and the panic goes no further than the runtime
// code that called cb, whose own cleanup still runs.
func recoverCrash(err *error, cb callback) {
	if v := recover(); v != nil {
		*err = panicked(cb.op(), v)
	}
}

// panicked returns the crash of op that the panic value v caused, with
// the stack of the goroutine that panicked.
func panicked(op string, v any) *channel.CrashError {
	err, ok := v.(error)
	if ok {
		err = fmt.Errorf("panic: %w", err)
	} else {
		err = fmt.Errorf("panic: %v", v)
	}
	return &channel.CrashError{Op: op, Err: err, Stack: debug.Stack()}
}

// asCrash returns err as a crash of op, unless it is one already: the
// crash of a callback keeps the callback's name.
func asCrash(op string, err error) *channel.CrashError {
	if ce, ok := errors.AsType[*channel.CrashError](err); ok {
		return ce
	}
	return &channel.CrashError{Op: op, Err: err}
}

// crashAttrs returns the attributes that describe err in a log line: the
// callback that failed, its error and, after a panic, the stack.
func crashAttrs(err error) []any {
	ce, ok := errors.AsType[*channel.CrashError](err)
	if !ok {
		return []any{"err", err}
	}
	attrs := []any{"op", ce.Op, "err", ce.Err}
	if ce.Stack != nil {
		attrs = append(attrs, "stack", string(ce.Stack))
	}
	return attrs
}
