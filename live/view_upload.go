package live

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"path"
	"slices"
	"strings"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
)

// handleUpload answers a view's upload messages: allow_upload, when files
// are chosen, and upload_progress, from an external upload. Like events,
// they count against the connection's event rate; an allow_upload may be
// larger than an event, since it lists every file chosen (bounded by the
// socket's frame limit).
func (vc *viewChannel) handleUpload(ctx context.Context, msg channel.Message) (channel.Reply, error) {
	if vc.events != nil && !vc.events.allow() {
		return channel.ReplyReason(reasonRateLimited), nil
	}
	switch msg.Name {
	case wire.ClientAllowUpload:
		a, err := wire.DecodeUploadAllow(msg.Payload)
		if err != nil {
			return channel.ReplyReason(refusalReason(err)), nil
		}
		u := vc.s.uploads[a.Name]
		if u == nil {
			return channel.ReplyReason("no such upload"), nil
		}
		out, err := vc.allowUpload(ctx, u, a.Entries)
		if err != nil {
			return channel.NoReply, err
		}
		vc.dirty = true
		vc.waiting = append(vc.waiting, waiting{ref: msg.Ref, reply: json.RawMessage(out.AppendJSON(nil))})
		return channel.NoReply, nil
	case wire.ClientUploadProgress:
		p, err := wire.DecodeUploadProgress(msg.Payload)
		if err != nil {
			return channel.ReplyReason(refusalReason(err)), nil
		}
		if reason := vc.uploadProgress(p); reason != "" {
			return channel.ReplyReason(reason), nil
		}
		vc.dirty = true
		vc.waiting = append(vc.waiting, waiting{ref: msg.Ref})
		return channel.NoReply, nil
	}
	return channel.ReplyReason("unknown event " + msg.Name), nil
}

// allowUpload judges the files chosen for u, before any byte is sent, adds
// them to its entries, and returns the answer: a token for each accepted
// entry (or its external target), errors for the others. An entry that an
// interrupted connection left is resumed where its bytes end.
func (vc *viewChannel) allowUpload(ctx context.Context, u *Upload, metas []wire.UploadEntryMeta) (wire.UploadAllowed, error) {
	s, reg := vc.s, &vc.srv.uploadsReg
	vc.uploadOwner()
	s.syncUploads()
	// A new choice clears what the last one was refused for; with one
	// entry allowed, it replaces the file chosen before. A file announced
	// again (a page resuming after a reconnect) keeps its entry and bytes.
	u.Errors = nil
	same := func(e *UploadEntry, m wire.UploadEntryMeta) bool {
		return e.up != nil && e.Ref == m.Ref && e.Name == m.Name && e.Size == m.Size
	}
	var again []*UploadEntry
	u.Entries = slices.DeleteFunc(u.Entries, func(e *UploadEntry) bool {
		if slices.ContainsFunc(metas, func(m wire.UploadEntryMeta) bool { return same(e, m) }) {
			again = append(again, e)
			return false
		}
		drop := !e.Valid() || u.opts.MaxEntries == 1 || slices.ContainsFunc(metas, func(m wire.UploadEntryMeta) bool { return m.Ref == e.Ref })
		if drop {
			reg.discard(e.up)
		}
		return drop
	})
	valid := len(u.Entries)
	out := wire.UploadAllowed{ChunkSize: u.opts.ChunkSize, Auto: u.opts.AutoUpload}
	for _, m := range metas {
		if i := slices.IndexFunc(again, func(e *UploadEntry) bool { return same(e, m) }); i >= 0 {
			e := again[i]
			again = slices.Delete(again, i, i+1)
			out.Entries = append(out.Entries, wire.UploadAllowedEntry{Ref: m.Ref, Token: e.up.id, Offset: e.up.offset()})
			continue
		}
		e := &UploadEntry{Ref: m.Ref, Name: m.Name, Type: uploadType(m.Name, m.Type), Size: m.Size}
		ans := wire.UploadAllowedEntry{Ref: m.Ref}
		if !accepted(u.opts.Accept, m.Name) {
			e.Errors = append(e.Errors, UploadNotAccepted)
		}
		if m.Size > u.opts.MaxFileSize {
			e.Errors = append(e.Errors, UploadTooLarge)
		}
		if e.Valid() && valid >= u.opts.MaxEntries {
			// Past the bound, entries are not kept: a client announcing
			// thousands costs the view nothing.
			if !slices.Contains(u.Errors, UploadTooMany) {
				u.Errors = append(u.Errors, UploadTooMany)
			}
			ans.Errors = []string{UploadTooMany}
			out.Entries = append(out.Entries, ans)
			continue
		}
		if e.Valid() {
			valid++
			switch {
			case u.opts.External != nil:
				target, err := u.opts.External(ctx, e)
				if err != nil {
					return out, fmt.Errorf("live: external upload %s: %w", u.Name, err)
				}
				raw, err := wire.Marshal(target)
				if err != nil {
					return out, fmt.Errorf("live: external upload %s: %w", u.Name, err)
				}
				e.External, ans.External = target, raw
			default:
				in := reg.orphaned(s.id, vc.cc.ConnectInfo(), u.Name, m.Ref, m.Name, m.Size)
				if in == nil || !reg.adopt(in, s.upw) {
					in = reg.add(&inflight{viewID: s.id, name: u.Name, ref: m.Ref, fileName: m.Name, fileType: e.Type, size: m.Size, chunkSize: u.opts.ChunkSize, owner: s.upw})
					if in == nil {
						return out, errors.New("live: server shutting down")
					}
				}
				e.up, ans.Token, ans.Offset = in, in.id, in.offset()
			}
		}
		ans.Errors = e.Errors
		u.Entries = append(u.Entries, e)
		out.Entries = append(out.Entries, ans)
	}
	s.syncUploads()
	return out, nil
}

// uploadOwner returns what the view's upload channels need of it, made on
// first use.
func (vc *viewChannel) uploadOwner() *viewUploads {
	if vc.s.upw == nil {
		vc.s.upw = &viewUploads{conn: vc.cc.ConnectInfo(), mailbox: vc.cc.Mailbox()}
	}
	return vc.s.upw
}

// resumeUploads gives a view that rejoined the entries its last
// connection left (uploading, or complete and not consumed yet), for each
// upload its Mount allowed again, up to MaxEntries: the page shows them as
// before the drop, and their uploads go on from the bytes the server holds.
func (vc *viewChannel) resumeUploads() {
	s, reg := vc.s, &vc.srv.uploadsReg
	orphans := reg.resumable(s.id, vc.cc.ConnectInfo())
	if len(orphans) == 0 {
		return
	}
	vc.uploadOwner()
	for _, in := range orphans {
		u := s.uploads[in.name]
		if u == nil || u.opts.External != nil || len(u.Entries) >= u.opts.MaxEntries || in.size > u.opts.MaxFileSize ||
			slices.ContainsFunc(u.Entries, func(e *UploadEntry) bool { return e.Ref == in.ref }) {
			continue // left to expire
		}
		if !reg.adopt(in, s.upw) {
			continue // expired since it was found
		}
		u.Entries = append(u.Entries, &UploadEntry{Ref: in.ref, Name: in.fileName, Type: in.fileType, Size: in.size, up: in})
	}
	s.syncUploads()
}

// accepted reports whether a file named name may be chosen under accept.
// The server judges by the name's extension and the type that extension
// stands for on the server, never by the type the client announced, which
// a client could make up.
func accepted(accept []string, name string) bool {
	if len(accept) == 0 {
		return true
	}
	ext := strings.ToLower(path.Ext(name))
	if ext == "" {
		return false
	}
	typ, _, _ := strings.Cut(mime.TypeByExtension(ext), ";")
	for _, a := range accept {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case strings.HasPrefix(a, "."):
			if a == ext {
				return true
			}
		case strings.HasSuffix(a, "/*"):
			if typ != "" && strings.HasPrefix(typ, a[:len(a)-1]) {
				return true
			}
		case a == typ:
			return true
		}
	}
	return false
}

// uploadType returns an entry's type: the server's for the name's
// extension if it knows one, else the client's.
func uploadType(name, announced string) string {
	if t := mime.TypeByExtension(strings.ToLower(path.Ext(name))); t != "" {
		t, _, _ = strings.Cut(t, ";")
		return t
	}
	return announced
}

// syncUploads copies the progress of the entries' bytes into the view's
// state, in steps of 5 %, and reports whether anything changed. An entry
// another view took over (one joined under the same id on another
// connection, see resumeUploads) leaves this view's entries: its bytes
// are the other view's to consume or cancel.
func (s *Socket) syncUploads() bool {
	changed := false
	for _, u := range s.uploads {
		n := len(u.Entries)
		u.Entries = slices.DeleteFunc(u.Entries, func(e *UploadEntry) bool {
			if e.up == nil {
				return false
			}
			e.up.mu.Lock()
			defer e.up.mu.Unlock()
			return e.up.owner != s.upw
		})
		changed = changed || len(u.Entries) != n
		for _, e := range u.Entries {
			in := e.up
			if in == nil {
				continue
			}
			in.mu.Lock()
			progress, done, failed := progressBucket(in.received, in.size)*5, in.done, in.failed
			in.mu.Unlock()
			if failed != "" {
				s.srv.uploadsReg.discard(in)
				e.up, e.Errors, e.Progress = nil, append(e.Errors, failed), 0
				changed = true
				continue
			}
			if progress != e.Progress || done != e.Done {
				e.Progress, e.Done = progress, done
				changed = true
			}
		}
	}
	return changed
}

// uploadWoke handles an uploadWake.
func (vc *viewChannel) uploadWoke() {
	if vc.s.upw != nil {
		vc.s.upw.woke()
	}
	if vc.s.syncUploads() {
		vc.dirty = true
	}
}

// cancelUploadEvent handles the built-in cancel button's event, reporting
// whether ev was one.
func (vc *viewChannel) cancelUploadEvent(ev Event, ref string) bool {
	if ev.Name != CancelUploadEvent {
		return false
	}
	vc.s.CancelUpload(ev.Values.Get("upload"), ev.Values.Get("ref"))
	vc.dirty = true
	vc.waiting = append(vc.waiting, waiting{ref: ref})
	return true
}

// endUploads lets go of the view's entries as it ends: a view the browser
// left discards them; one whose connection dropped or that crashed leaves
// them for the page to resume when it rejoins.
func (vc *viewChannel) endUploads(reason error) {
	if vc.s == nil {
		return
	}
	reg := &vc.srv.uploadsReg
	for _, u := range vc.s.uploads {
		for _, e := range u.Entries {
			if e.up == nil {
				continue
			}
			reg.release(e.up, vc.s.upw, errors.Is(reason, channel.ErrLeft))
		}
	}
}
