package live

import (
	"context"
	"fmt"
)

// An Async is a value of a view that a task loads on a goroutine of its
// own, so that slow data (an API call, a heavy query) blocks neither the
// page's GET nor the view's goroutine: a field of the view, started with
// [Async.Load], rendered as loading, then as its value or its error.
//
//	type Dashboard struct {
//		Stats live.Async[Stats]
//	}
//
//	func (v *Dashboard) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
//		v.Stats.Load(s, func(ctx context.Context) (Stats, error) {
//			return fetchStats(ctx) // on its own goroutine
//		})
//		return nil
//	}
//
// and in the templ component:
//
//	if v.Stats.Loading() {
//		<p>Loading…</p>
//	} else if v.Stats.Failed() {
//		<p class="error">The stats are not available.</p>
//	} else if v.Stats.OK() {
//		<p>{ strconv.Itoa(v.Stats.Value.Visitors) } visitors</p>
//	}
//
// The zero Async has not been started: none of Loading, OK and Failed
// holds. An Async belongs to its view's goroutine, like the view's other
// fields; the task never touches it.
type Async[T any] struct {
	// Value is the value the last successful task returned. A reload or a
	// failure keeps it, so a page may go on showing it, marked as stale,
	// while OK is false.
	Value T
	// Err is why the last task failed: its error, an error wrapping
	// [ErrAsyncPanicked], or [ErrAsyncCanceled]. Render a message of your
	// own rather than Err itself, which may say more than a visitor should
	// read.
	Err error

	state asyncState
}

// asyncState is where an Async stands.
type asyncState uint8

const (
	asyncIdle asyncState = iota
	asyncLoading
	asyncOK
	asyncFailed
)

// Loading reports whether a task is loading the value.
func (a Async[T]) Loading() bool { return a.state == asyncLoading }

// OK reports whether the last task succeeded: Value is current.
func (a Async[T]) OK() bool { return a.state == asyncOK }

// Failed reports whether the last task failed, panicked or was cancelled:
// Err says why.
func (a Async[T]) Failed() bool { return a.state == asyncFailed }

// Load starts fn on a goroutine of its own and marks the value loading;
// the next render shows that. When fn returns, on the view's goroutine,
// the value becomes OK with what fn returned, or Failed with its error,
// and the view renders again. A panic in fn fails the value (with an error
// wrapping [ErrAsyncPanicked], logged once), not the view.
//
// Load again restarts the task: the running one's context is cancelled and
// whatever it returns is dropped, even if it finished already but its
// result has not reached the view yet. So a "Retry" or "Refresh" button
// calls Load again.
//
// fn's context ends when the view ends, when the task is restarted or
// cancelled, and at [Server.Shutdown]. A task must return when its context
// ends: one that does not goes on running, its result dropped, and
// Shutdown waits for it. fn runs concurrently with the view: it must not
// read or write the view's fields; copy what it needs into variables
// before Load.
//
// Called in the Mount of the page's GET, the task runs while the page is
// served, which does not wait for it: the first render shows the value
// loading. Then:
//
//   - With [Options.MountOnce], the task goes on while the view waits to
//     be adopted, and the connected view gets its result, in the join's
//     first render if the task finished by then. When the adopted Mount
//     calls Load on the same field, the task the GET started is kept
//     rather than restarted: one Mount serves both renders, and the task
//     runs once.
//   - Without it, the GET's task is cancelled when the GET ends, and the
//     connected Mount starts its own.
func (a *Async[T]) Load(s *Socket, fn func(ctx context.Context) (T, error)) {
	a.state, a.Err = asyncLoading, nil
	started := s.tasks().start(a, func(ctx context.Context) (any, error) { return fn(ctx) },
		func(_ context.Context, _ *Socket, v any, err error) error {
			if err != nil {
				a.state, a.Err = asyncFailed, err
				return nil
			}
			a.state = asyncOK
			a.Value, _ = v.(T) // a *Async[T] only ever runs tasks of T; v is nil for a nil interface
			return nil
		})
	if !started {
		a.state, a.Err = asyncFailed, ErrAsyncCanceled
	}
}

// Cancel stops the task loading the value, if one is: its context is
// cancelled, whatever it returns is dropped, and the value fails with
// [ErrAsyncCanceled].
func (a *Async[T]) Cancel(s *Socket) {
	if s.async.cancel(a) {
		a.state, a.Err = asyncFailed, ErrAsyncCanceled
	}
}

// StartAsync runs fn on a goroutine of its own, as a task named name, and
// hands its result to handle on the view's goroutine, after which the
// view renders — Phoenix's start_async and handle_async. handle receives
// fn's value and error (an error wrapping [ErrAsyncPanicked] if fn
// panicked, logged once); an error it returns crashes the view, like the
// errors of the view's other callbacks.
//
// It is what [Async.Load] is built on, for results that are not one value
// of the view: rows to insert into a [Stream], several fields at once, a
// follow-up task. To fill a stream:
//
//	live.StartAsync(s, "posts", func(ctx context.Context) ([]Post, error) {
//		return store.RecentPosts(ctx, 50)
//	}, func(ctx context.Context, s *live.Socket, posts []Post, err error) error {
//		if err != nil {
//			v.PostsErr = "The posts are not available."
//			return nil
//		}
//		v.Posts.Insert(posts...)
//		return nil
//	})
//
// Starting a name again restarts the task: the running one's context is
// cancelled and its result dropped, its handle never called. Tasks,
// contexts, the GET and mount-once behave as [Async.Load] says; in the
// adopted Mount, the handle given last receives the result of the task
// the GET started. [Socket.CancelAsync] cancels a task.
func StartAsync[T any](s *Socket, name string, fn func(ctx context.Context) (T, error), handle func(ctx context.Context, s *Socket, v T, err error) error) {
	s.tasks().start(name, func(ctx context.Context) (any, error) { return fn(ctx) },
		func(ctx context.Context, s *Socket, v any, err error) error {
			t, ok := v.(T)
			if !ok && v != nil {
				// Only when an adopted Mount restarted the GET's task under
				// the same name with another type.
				return fmt.Errorf("live: async task %q returned %T, its handler takes %T", name, v, t)
			}
			return handle(ctx, s, t, err)
		})
}

// CancelAsync stops the task named name that [StartAsync] started, if it
// is running or its result has not been handled yet: its context is
// cancelled, whatever it returns is dropped, and its handler is not
// called.
func (s *Socket) CancelAsync(name string) {
	s.async.cancel(name)
}

// tasks returns the view's async tasks, creating them with the first task:
// tied to the view's context once connected, and to the GET's values but
// not its end before.
func (s *Socket) tasks() *asyncTasks {
	if s.async == nil {
		base := s.ctx
		if !s.connected {
			// A parked view's tasks outlive the request; servePage or the
			// parking ends them.
			base = context.WithoutCancel(base)
		}
		s.async = newAsyncTasks(base, s.srv, s.id, s.mailbox)
	}
	return s.async
}
