package live

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/templive/templive/pubsub"
)

// asyncTasks are the tasks one view started with [Async.Load] and
// [StartAsync], by key: the *Async a task loads, or the name it was
// started with. Each key has at most one current task; a restart makes
// the running one stale, and a stale task's result is dropped wherever it
// is — still running, finished and queued, or not yet handled.
//
// A finished task's result waits in done until the view's goroutine
// delivers it. One wake message in the view's mailbox stands for all the
// results queued, so that however many tasks finish at once they take one
// slot of the mailbox, whose overflow would crash the view. Before the
// browser connects there is no mailbox: results wait for the join that
// adopts the view (see [Options.MountOnce]) to deliver them.
//
// start, cancel, deliver and the fields marked so belong to the view's
// goroutine (or the GET's, before the join); the tasks' goroutines only
// finish.
type asyncTasks struct {
	ctx    context.Context // the parent of every task's context; cancelled by stop
	stopFn context.CancelFunc
	srv    *Server
	viewID string

	mu       sync.Mutex // guards tasks, done, mailbox, woken, stopped, adopting, and the tasks' inherited
	tasks    map[any]*asyncTask
	done     []*asyncTask    // finished tasks, in order, not yet delivered; may hold stale ones
	mailbox  *pubsub.Mailbox // nil until the browser connects
	woken    bool            // a wake is in the mailbox and has not been handled
	stopped  bool
	adopting bool // in the Mount of a join that adopted the view

	awaiting []string // the view's goroutine only: refs of Pings waiting for no task to be pending
}

// asyncTask is one run of a task.
type asyncTask struct {
	key    any
	cancel context.CancelFunc
	// apply hands the result to the view, on its goroutine. An adopted
	// Mount that starts the key again replaces it.
	apply     func(ctx context.Context, s *Socket, v any, err error) error
	inherited bool // started by the GET of a view the join adopted

	val any   // set by the task's goroutine before it is queued in done
	err error // likewise
}

// asyncWake tells a view's goroutine that task results are waiting.
type asyncWake struct{}

func newAsyncTasks(base context.Context, srv *Server, viewID string, mb *pubsub.Mailbox) *asyncTasks {
	ctx, cancel := context.WithCancel(base)
	return &asyncTasks{ctx: ctx, stopFn: cancel, srv: srv, viewID: viewID, mailbox: mb, tasks: map[any]*asyncTask{}}
}

// start makes fn the current task of key, stopping the one before, unless
// that one was started by the GET of the view an adopted Mount is running
// for: then it is kept, and its result goes to apply. It reports false
// when nothing will run: the view or the server has ended.
func (r *asyncTasks) start(key any, fn func(ctx context.Context) (any, error), apply func(ctx context.Context, s *Socket, v any, err error) error) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return false
	}
	if old := r.tasks[key]; old != nil {
		if r.adopting && old.inherited {
			old.apply, old.inherited = apply, false
			return true
		}
		old.cancel()
	}
	if !r.srv.asyncGroup.add() {
		delete(r.tasks, key)
		return false
	}
	ctx, cancel := context.WithCancel(r.ctx)
	t := &asyncTask{key: key, cancel: cancel, apply: apply}
	r.tasks[key] = t
	go r.run(ctx, t, fn)
	return true
}

// run is a task's goroutine: it runs fn and queues its result, unless the
// task went stale meanwhile.
func (r *asyncTasks) run(ctx context.Context, t *asyncTask, fn func(ctx context.Context) (any, error)) {
	defer r.srv.asyncGroup.done()
	v, err := r.call(ctx, t, fn)
	t.cancel() // fn has returned: release the context

	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.tasks[t.key] != t {
		return
	}
	t.val, t.err = v, err
	r.done = append(r.done, t)
	if r.mailbox == nil || r.woken {
		return
	}
	// If the mailbox is full it overflows, and the view is remounted:
	// the results go with it.
	r.woken = r.mailbox.Send(pubsub.Message{Payload: asyncWake{}})
}

// call runs fn, turning a panic into an error: the task fails, not the
// view, and the panic is logged here, once.
func (r *asyncTasks) call(ctx context.Context, t *asyncTask, fn func(ctx context.Context) (any, error)) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("%w: %v", ErrAsyncPanicked, p)
			r.srv.logger.Error("async task panicked", "view", r.viewID, "task", taskName(t.key), "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		}
	}()
	return fn(ctx)
}

// taskName names a task's key in the log.
func taskName(key any) string {
	if name, ok := key.(string); ok {
		return name
	}
	return fmt.Sprintf("%T", key)
}

// deliver hands the results of the finished current tasks to the view of
// s, in the order they finished, and reports whether there were any.
func (r *asyncTasks) deliver(ctx context.Context, s *Socket) (bool, error) {
	if r == nil {
		return false, nil
	}
	r.mu.Lock()
	done := r.done
	r.done, r.woken = nil, false
	ready := done[:0]
	for _, t := range done {
		if r.tasks[t.key] == t {
			delete(r.tasks, t.key)
			ready = append(ready, t)
		}
	}
	r.mu.Unlock()
	for _, t := range ready {
		if err := t.handle(ctx, s); err != nil {
			return true, err
		}
	}
	return len(ready) > 0, nil
}

// handle hands the task's result to the view of s: a panic in the
// handler [StartAsync] was given crashes the view, as its error does.
func (t *asyncTask) handle(ctx context.Context, s *Socket) (err error) {
	cb := callback{name: "Async.Load"}
	if name, ok := t.key.(string); ok {
		cb = callback{name: "StartAsync", event: name}
	}
	defer recoverCrash(&err, cb)
	return cb.failed(t.apply(ctx, s, t.val, t.err))
}

// cancel stops the current task of key and reports whether there was one.
func (r *asyncTasks) cancel(key any) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	t := r.tasks[key]
	delete(r.tasks, key)
	r.mu.Unlock()
	if t == nil {
		return false
	}
	t.cancel()
	return true
}

// pending reports whether a task is running or its result waits to be
// delivered.
func (r *asyncTasks) pending() bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.tasks) > 0
}

// adopt hands the tasks of a parked view to the join that adopted it: from
// now on their results wake that view. Until endAdoption, the view's Mount
// starting one of them again keeps it.
func (r *asyncTasks) adopt(mb *pubsub.Mailbox) *asyncTasks {
	if r == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.mailbox = mb
	r.adopting = true
	for _, t := range r.tasks {
		t.inherited = true
	}
	return r
}

// endAdoption ends the adopted Mount: starting a key restarts it again.
func (r *asyncTasks) endAdoption() {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.adopting = false
	for _, t := range r.tasks {
		t.inherited = false
	}
}

// stop ends every task: their contexts are cancelled, and whatever they
// return is dropped. Nothing starts after it. It does not wait: the
// server accounts for the goroutines until they return (see
// [Server.Shutdown]).
func (r *asyncTasks) stop() {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.stopped = true
	r.tasks, r.done, r.mailbox = nil, nil, nil
	r.mu.Unlock()
	r.stopFn()
}

// taskGroup counts the goroutines of a server's async tasks, so that
// Shutdown can wait for them. Unlike a sync.WaitGroup it may be added to
// while someone waits: views keep starting tasks until they end.
type taskGroup struct {
	mu     sync.Mutex    // guards n, closed, idle
	n      int           // goroutines running
	closed bool          // Shutdown began: nothing starts
	idle   chan struct{} // closed when n falls to 0 after Shutdown began
}

// add counts a goroutine about to start, or reports false after Shutdown
// began.
func (g *taskGroup) add() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return false
	}
	g.n++
	return true
}

// done counts a goroutine that returned.
func (g *taskGroup) done() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 && g.idle != nil {
		close(g.idle)
		g.idle = nil
	}
}

// len returns how many goroutines are running.
func (g *taskGroup) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.n
}

// wait stops new goroutines from starting and waits until the running
// ones have returned, or ctx is done.
func (g *taskGroup) wait(ctx context.Context) error {
	g.mu.Lock()
	g.closed = true
	if g.n == 0 {
		g.mu.Unlock()
		return nil
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("live: async tasks still running: %w", ctx.Err())
	}
}
