package live

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"time"
)

// Defaults and bounds of [UploadOptions].
const (
	DefaultUploadMaxEntries  = 1
	DefaultUploadMaxFileSize = 8 << 20
	// DefaultUploadChunkSize is the bytes of one chunk: the client sends
	// the next only once the server acknowledged this one, so it is also
	// what the server holds of an upload at a time.
	DefaultUploadChunkSize = 64 << 10
	// MaxUploadChunkSize keeps a chunk and its header within the live
	// socket's default frame limit (1 MiB).
	MaxUploadChunkSize = 512 << 10
	// DefaultUploadResumeFor is how long an upload interrupted by a lost
	// connection waits for its page to reconnect and resume it, before
	// its temporary file is removed.
	DefaultUploadResumeFor = 2 * time.Minute
)

// The errors of an upload entry, as [UploadEntry.Errors] holds them and
// the markup shows them.
const (
	UploadNotAccepted = "not_accepted"   // neither its extension nor its type is in Accept
	UploadTooLarge    = "too_large"      // over MaxFileSize, announced or sent
	UploadTooMany     = "too_many_files" // past MaxEntries
	// UploadExternalFailed: the client reported that the storage of an
	// external upload refused the file, or could not be reached.
	UploadExternalFailed = "external_failed"
)

// CancelUploadEvent is the event of the built-in cancel button:
//
//	<button type="button" live-click="live:cancel-upload" live-value-upload="avatar" live-value-ref={ e.Ref }>×</button>
//
// The runtime cancels the entry itself; the view's HandleEvent does not
// see the event.
const CancelUploadEvent = "live:cancel-upload"

// UploadOptions are the rules of one upload, given to [Socket.AllowUpload].
// The zero value allows one file of any type up to
// [DefaultUploadMaxFileSize], uploaded when the form is submitted.
type UploadOptions struct {
	// Accept lists what may be chosen: extensions (".png"), MIME types
	// ("image/png") and wildcards ("image/*"). Empty accepts anything.
	// The server judges a file by its name and announced type, before any
	// byte is sent; check the content itself when you consume it.
	Accept []string
	// MaxEntries bounds the files of the upload at once (default 1).
	MaxEntries int
	// MaxFileSize bounds one file in bytes (default 8 MB). It holds
	// against a lying client too: each chunk is checked against it.
	MaxFileSize int64
	// ChunkSize is the bytes of one chunk ([DefaultUploadChunkSize], at
	// most [MaxUploadChunkSize]).
	ChunkSize int
	// AutoUpload uploads files as soon as they are chosen; otherwise the
	// client uploads them when their form is submitted, then submits.
	AutoUpload bool
	// External, if set, makes the upload external: instead of sending
	// bytes over the socket, the client uploads each accepted entry
	// straight to the target External returns — any JSON-encodable value,
	// such as {"url": presignedURL, "method": "PUT"} — and reports its
	// progress to the view. The view's own storage then holds the file.
	External func(ctx context.Context, e *UploadEntry) (any, error)
}

// An Upload is the state of one allowed upload, for the view's markup:
// its entries, with their progress and errors. It belongs to the view's
// goroutine.
type Upload struct {
	Name    string
	Entries []*UploadEntry
	// Errors are the upload's own errors: UploadTooMany when more files
	// were chosen than MaxEntries.
	Errors []string

	opts UploadOptions
}

// Accept returns the value of the file input's accept attribute.
func (u *Upload) Accept() string {
	s := ""
	for i, a := range u.opts.Accept {
		if i > 0 {
			s += ","
		}
		s += a
	}
	return s
}

// Done reports whether the upload has entries and all of them completed.
func (u *Upload) Done() bool {
	if len(u.Entries) == 0 {
		return false
	}
	for _, e := range u.Entries {
		if !e.Done {
			return false
		}
	}
	return true
}

// An UploadEntry is one chosen file.
type UploadEntry struct {
	Ref  string // the client's reference, for the cancel button
	Name string // as the browser gave it; never use it as a path
	Type string // as the browser guessed it
	Size int64
	// Progress is the percentage received. It reaches the view at a
	// bounded rate: every 5 %, and when the file is complete.
	Progress int
	Done     bool
	// Errors say why the entry is rejected (UploadNotAccepted,
	// UploadTooLarge, UploadTooMany); a rejected entry carries no bytes.
	Errors []string
	// External is the target External returned, for an external entry.
	External any

	up *inflight // the bytes' state; nil for a rejected or external entry
}

// Valid reports whether the entry has no errors.
func (e *UploadEntry) Valid() bool { return len(e.Errors) == 0 }

// An UploadedFile is a completed entry handed to [Socket.ConsumeUploads].
type UploadedFile struct {
	Name, Type string
	Size       int64
	// Path is the temporary file holding the bytes. Move it (os.Rename)
	// or copy it where it belongs; whatever is left at Path is removed
	// once the callback returns. It is "" for an external entry.
	Path string
	// External is the target [UploadOptions.External] returned for an
	// external entry, whose bytes are in the storage it names; nil for
	// an entry uploaded over the socket.
	External any
}

// Open opens the file for reading.
func (f UploadedFile) Open() (*os.File, error) { return os.Open(f.Path) }

// AllowUpload allows the upload name with its rules and returns its state,
// for the view to keep and render. Call it in Mount: the markup binds a
// file input to it with live-upload="name". Allowing a name again replaces
// its rules and cancels its entries.
func (s *Socket) AllowUpload(name string, opts UploadOptions) *Upload {
	s.viewChanged = true
	if opts.MaxEntries <= 0 {
		opts.MaxEntries = DefaultUploadMaxEntries
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultUploadMaxFileSize
	}
	if opts.ChunkSize <= 0 {
		opts.ChunkSize = DefaultUploadChunkSize
	}
	opts.ChunkSize = min(opts.ChunkSize, MaxUploadChunkSize)
	if old := s.uploads[name]; old != nil {
		s.syncUploads() // what another view took over is not discarded
		for _, e := range old.Entries {
			s.srv.uploadsReg.discard(e.up)
		}
	}
	u := &Upload{Name: name, opts: opts}
	if s.uploads == nil {
		s.uploads = map[string]*Upload{}
	}
	s.uploads[name] = u
	return u
}

// Upload returns the state of the upload name, or nil if it was not
// allowed.
func (s *Socket) Upload(name string) *Upload { return s.uploads[name] }

// CancelUpload cancels the entry ref of the upload name: the client stops
// sending it, its bytes are removed, and it leaves the upload's entries.
func (s *Socket) CancelUpload(name, ref string) {
	s.viewChanged = true
	u := s.uploads[name]
	if u == nil {
		return
	}
	s.syncUploads() // what another view took over is not discarded
	u.Entries = slices.DeleteFunc(u.Entries, func(e *UploadEntry) bool {
		if e.Ref != ref {
			return false
		}
		s.srv.uploadsReg.discard(e.up)
		return true
	})
	if len(u.Entries) <= u.opts.MaxEntries {
		u.Errors = slices.DeleteFunc(u.Errors, func(e string) bool { return e == UploadTooMany })
	}
}

// ConsumeUploads hands fn each completed entry of the upload name, in
// order, then removes it from the upload and its temporary file from the
// disk. Entries still uploading, and rejected ones, stay. An error from fn
// stops the walk and is returned; the entry it failed on stays, so that
// the view may retry.
func (s *Socket) ConsumeUploads(name string, fn func(f UploadedFile) error) error {
	s.viewChanged = true
	u := s.uploads[name]
	if u == nil {
		return fmt.Errorf("live: ConsumeUploads(%q): no such upload", name)
	}
	s.syncUploads()
	var err error
	u.Entries = slices.DeleteFunc(u.Entries, func(e *UploadEntry) bool {
		if err != nil || !e.Done || (e.up == nil && e.External == nil) {
			return false
		}
		f := UploadedFile{Name: e.Name, Type: e.Type, Size: e.Size, External: e.External}
		if e.up != nil {
			f.Path = e.up.path
		}
		if ferr := fn(f); ferr != nil {
			err = fmt.Errorf("live: consume %s: %w", e.Name, ferr)
			return false
		}
		s.srv.uploadsReg.discard(e.up)
		return true
	})
	return err
}

// removeFile removes a temporary file, which may already be gone (moved
// by the view).
func removeFile(path string) error {
	if path == "" {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
