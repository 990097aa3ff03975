package live

import (
	"crypto/rand"
	"errors"
	"os"
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

// uploadRegistry holds every inflight entry of the server by token.
type uploadRegistry struct {
	resumeFor time.Duration

	mu     sync.Mutex // guards byID, closed
	byID   map[string]*inflight
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
		r.byID = map[string]*inflight{}
	}
	r.byID[in.id] = in
	return in
}

// get returns the entry of a token, or nil.
func (r *uploadRegistry) get(id string) *inflight {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

// orphaned returns the entry an interrupted page may resume: the one of
// the same view, upload, ref, file name and size whose view ended.
func (r *uploadRegistry) orphaned(viewID, name, ref, fileName string, size int64) *inflight {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, in := range r.byID {
		if in.viewID == viewID && in.name == name && in.ref == ref && in.fileName == fileName && in.size == size {
			in.mu.Lock()
			orphan := in.owner == nil && !in.discarded
			in.mu.Unlock()
			if orphan {
				return in
			}
		}
	}
	return nil
}

// adopt gives an orphaned entry to a view that resumes it.
func (r *uploadRegistry) adopt(in *inflight, owner *viewUploads) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.owner = owner
	if in.expiry != nil {
		in.expiry.Stop()
		in.expiry = nil
	}
}

// orphan detaches an entry from its ended view: it is discarded after
// resumeFor unless a view adopts it.
func (r *uploadRegistry) orphan(in *inflight) {
	if in == nil {
		return
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.discarded {
		return
	}
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
