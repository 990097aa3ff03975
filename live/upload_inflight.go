package live

import (
	"crypto/rand"
	"errors"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/pubsub"
)

// inflight is the bytes' side of one accepted entry: its temporary file
// and how much of it arrived. The view's goroutine creates, cancels and
// consumes it; the goroutine of the entry's upload channel writes to it.
// It outlives its view when the connection drops, for ResumeFor, so that
// the page that reconnects resumes it instead of starting over.
type inflight struct {
	id        string // the token of the upload channel's join: 128 random bits
	viewID    string
	name, ref string // the upload's name and the client's ref of the entry
	fileName  string
	fileType  string
	size      int64 // announced, and never exceeded
	chunkSize int

	mu        sync.Mutex // guards the fields below
	owner     *viewUploads
	file      *os.File // open while bytes arrive
	path      string
	received  int64
	reported  int // the last progress bucket (5 %) the view was woken for
	done      bool
	failed    string // an error found on the bytes (UploadTooLarge)
	discarded bool
	joined    *channel.Conn // the upload channel writing it, if any
	expiry    *time.Timer   // while orphaned
}

// offset returns the bytes received so far.
func (in *inflight) offset() int64 {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.received
}

// viewUploads is what the upload channels of a view need of it: a way to
// wake it when progress is worth showing, and the connection it is joined
// on, whose upload channels alone may write its entries.
type viewUploads struct {
	conn    *channel.ConnectInfo // the connection's identity
	mailbox *pubsub.Mailbox

	mu    sync.Mutex // guards woken
	woken bool       // a wake is in the mailbox and has not been handled
}

// uploadWake tells a view's goroutine that an entry's progress changed.
type uploadWake struct{}

// wake puts one uploadWake in the view's mailbox unless one is there
// already: however many chunks arrive, they take one slot, whose
// overflow would remount the view.
func (w *viewUploads) wake() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.woken {
		w.woken = w.mailbox.Send(pubsub.Message{Payload: uploadWake{}})
	}
}

// woke is called on the view's goroutine when it handles the wake.
func (w *viewUploads) woke() {
	w.mu.Lock()
	w.woken = false
	w.mu.Unlock()
}

// uploadRegistry holds every inflight entry of the server by token, and
// by view id in the order they were added.
type uploadRegistry struct {
	resumeFor time.Duration

	mu     sync.Mutex // guards byID, byView, closed
	byID   map[string]*inflight
	byView map[string][]*inflight
	closed bool
}

// add registers a new entry and returns it, or nil once the server is
// shutting down.
func (r *uploadRegistry) add(in *inflight) *inflight {
	in.id = rand.Text()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	if r.byID == nil {
		r.byID, r.byView = map[string]*inflight{}, map[string][]*inflight{}
	}
	r.byID[in.id] = in
	r.byView[in.viewID] = append(r.byView[in.viewID], in)
	return in
}

// get returns the entry of a token, or nil.
func (r *uploadRegistry) get(id string) *inflight {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// resumable returns, in the order they were added, the entries of the view
// viewID that a previous connection left: those whose view ended, and
// those whose view's connection the server has not yet found dead (a
// client that lost its network rejoins before the old connection times
// out). A view that rejoins under that id on conn takes them back.
func (r *uploadRegistry) resumable(viewID string, conn *channel.ConnectInfo) []*inflight {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*inflight
	for _, in := range r.byView[viewID] {
		in.mu.Lock()
		ok := !in.discarded && (in.owner == nil || in.owner.conn != conn)
		in.mu.Unlock()
		if ok {
			out = append(out, in)
		}
	}
	return out
}

// orphaned returns the entry of the view viewID, left by a previous
// connection, that is the same upload, ref, file name and size, or nil.
func (r *uploadRegistry) orphaned(viewID string, conn *channel.ConnectInfo, name, ref, fileName string, size int64) *inflight {
	for _, in := range r.resumable(viewID, conn) {
		if in.name == name && in.ref == ref && in.fileName == fileName && in.size == size {
			return in
		}
	}
	return nil
}

// adopt gives an entry a previous connection left to the view that
// resumes it, and reports whether it could: an entry whose expiry
// discarded it since it was found has no bytes left to resume. The view
// that had it, if it still runs, no longer owns it.
func (r *uploadRegistry) adopt(in *inflight, owner *viewUploads) bool {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.discarded {
		return false
	}
	in.owner = owner
	if in.expiry != nil {
		in.expiry.Stop()
		in.expiry = nil
	}
	return true
}

// release lets go of an entry as the view owning it ends: the entry is
// discarded if discard is set, else orphaned, to be discarded after
// resumeFor unless a view adopts it. An entry another view adopted since
// is left alone.
func (r *uploadRegistry) release(in *inflight, owner *viewUploads, discard bool) {
	in.mu.Lock()
	if in.owner != owner || in.discarded {
		in.mu.Unlock()
		return
	}
	if discard {
		in.mu.Unlock()
		r.discard(in)
		return
	}
	defer in.mu.Unlock()
	in.owner = nil
	in.expiry = time.AfterFunc(r.resumeFor, func() {
		in.mu.Lock()
		orphan := in.owner == nil
		in.mu.Unlock()
		if orphan {
			r.discard(in)
		}
	})
}

// discard forgets an entry and removes its bytes; the channel writing it,
// if any, refuses the next chunk. Discarding twice is harmless.
func (r *uploadRegistry) discard(in *inflight) error {
	if in == nil {
		return nil
	}
	r.mu.Lock()
	delete(r.byID, in.id)
	if rest := slices.DeleteFunc(r.byView[in.viewID], func(o *inflight) bool { return o == in }); len(rest) > 0 {
		r.byView[in.viewID] = rest
	} else {
		delete(r.byView, in.viewID)
	}
	r.mu.Unlock()
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.discarded {
		return nil
	}
	in.discarded = true
	if in.expiry != nil {
		in.expiry.Stop()
	}
	var err error
	if in.file != nil {
		err = in.file.Close()
		in.file = nil
	}
	return errors.Join(err, removeFile(in.path))
}

// close discards every entry, and any added later, as the server shuts
// down.
func (r *uploadRegistry) close() error {
	r.mu.Lock()
	r.closed = true
	all := make([]*inflight, 0, len(r.byID))
	for _, in := range r.byID {
		all = append(all, in)
	}
	r.mu.Unlock()
	var err error
	for _, in := range all {
		err = errors.Join(err, r.discard(in))
	}
	return err
}

// len returns how many entries the server holds.
func (r *uploadRegistry) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}
