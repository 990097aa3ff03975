package livetest

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gorilla/websocket"

	"github.com/templive/templive/internal/wire"
)

// A File is a file a test chooses for an upload.
type File struct {
	Name    string
	Type    string // as a browser would announce it; may be ""
	Content []byte
}

// A FileInput is a set of files chosen for a view's upload, as the
// browser announces them when the user picks them: the server has judged
// them (see [FileInput.Errors]) before any byte is sent, and the view
// shows its entries. Send them with [FileInput.Upload] (all the way, as
// Phoenix's render_upload) or [FileInput.UploadTo] (part of the way).
type FileInput struct {
	v       *View
	name    string
	files   []File
	allowed wire.UploadAllowed
	sent    map[string]int64    // bytes acknowledged, by ref
	conns   map[string]*Channel // joined upload channels, by ref
}

// FileInput chooses files for the upload name, as the user does in the
// file input bound to it (live-upload="name"): it announces them and
// applies the render. The test fails if the view refuses the message
// itself (no such upload); files the view rejects carry errors instead.
func (v *View) FileInput(name string, files ...File) *FileInput {
	v.t.Helper()
	fi := &FileInput{v: v, name: name, files: files, sent: map[string]int64{}, conns: map[string]*Channel{}}
	a := wire.UploadAllow{Name: name}
	for i, f := range files {
		a.Entries = append(a.Entries, wire.UploadEntryMeta{Ref: ref(i), Name: f.Name, Type: f.Type, Size: int64(len(f.Content))})
	}
	fi.announce(a)
	return fi
}

// ref is the ref the browser gives the i-th chosen file.
func ref(i int) string { return fmt.Sprint(i) }

// announce sends allow_upload and keeps the server's answer.
func (fi *FileInput) announce(a wire.UploadAllow) {
	fi.v.t.Helper()
	resp := fi.v.push(wire.ClientAllowUpload, a.AppendJSON(nil))
	r, err := wire.DecodeRender(resp)
	if err == nil {
		fi.allowed, err = wire.DecodeUploadAllowed(r.Reply)
	}
	if err != nil {
		fi.v.t.Fatalf("livetest: allow_upload %s: %v", fi.name, err)
	}
}

// entry returns the server's answer for a file and its ref.
func (fi *FileInput) entry(fileName string) (wire.UploadAllowedEntry, File) {
	fi.v.t.Helper()
	for i, f := range fi.files {
		if f.Name == fileName {
			for _, e := range fi.allowed.Entries {
				if e.Ref == ref(i) {
					return e, f
				}
			}
		}
	}
	fi.v.t.Fatalf("livetest: upload %s: no file %q was chosen", fi.name, fileName)
	return wire.UploadAllowedEntry{}, File{}
}

// Errors returns what the server answered a file's announcement with
// ("not_accepted", "too_large", "too_many_files"); none if it was
// accepted.
func (fi *FileInput) Errors(fileName string) []string {
	fi.v.t.Helper()
	e, _ := fi.entry(fileName)
	return e.Errors
}

// External returns the target the view gave an external upload's file.
func (fi *FileInput) External(fileName string) json.RawMessage {
	fi.v.t.Helper()
	e, _ := fi.entry(fileName)
	return e.External
}

// Upload sends the whole file, chunk by chunk, each after the ack of the
// one before, and waits until the view has rendered its progress.
func (fi *FileInput) Upload(fileName string) {
	fi.v.t.Helper()
	fi.UploadTo(fileName, 100)
}

// UploadTo sends the file up to percent of its size (the chunk that
// crosses it included), as Phoenix's render_upload, and waits until the
// view has rendered the progress. The test fails if the server refuses a
// chunk.
//
// For an external entry, it reports the progress to the view instead, as
// the browser does while it sends the file to the target ([FileInput.External]);
// the test sends the bytes there itself if it wants them stored.
func (fi *FileInput) UploadTo(fileName string, percent int) {
	fi.v.t.Helper()
	e, f := fi.entry(fileName)
	if len(e.Errors) == 0 && e.External != nil {
		fi.v.push(wire.ClientUploadProgress, wire.UploadProgress{Name: fi.name, Ref: e.Ref, Progress: percent}.AppendJSON(nil))
		return
	}
	if len(e.Errors) > 0 || e.Token == "" {
		fi.v.t.Fatalf("livetest: upload %s: %q was not accepted: %v", fi.name, fileName, e.Errors)
	}
	ch := fi.conns[e.Ref]
	if ch == nil {
		var off int64
		var err error
		ch, off, err = fi.v.JoinUpload(e.Ref, e.Token)
		if err != nil {
			fi.v.t.Fatalf("livetest: upload %s: join: %v", fi.name, err)
		}
		fi.conns[e.Ref], fi.sent[e.Ref] = ch, off
	}
	size := int64(len(f.Content))
	target := size * int64(percent) / 100
	for fi.sent[e.Ref] < target {
		off := fi.sent[e.Ref]
		end := min(off+int64(fi.allowed.ChunkSize), size)
		ack, err := ch.Chunk(off, f.Content[off:end])
		if err != nil {
			fi.v.t.Fatalf("livetest: upload %s: chunk at %d: %v", fi.name, off, err)
		}
		fi.sent[e.Ref] = ack.Offset
	}
	if fi.sent[e.Ref] == size {
		ch.Leave()
		delete(fi.conns, e.Ref)
	}
	fi.v.Sync("")
}

// FailExternal reports that the external upload of a file failed for
// reason, as the browser does when the storage refuses the file or cannot
// be reached. It returns the server's refusal of the report, if any
// ("unknown upload" for a cancelled entry).
func (fi *FileInput) FailExternal(fileName, reason string) error {
	fi.v.t.Helper()
	e, _ := fi.entry(fileName)
	_, err := fi.v.tryPush(wire.ClientUploadProgress, wire.UploadProgress{Name: fi.name, Ref: e.Ref, Error: reason}.AppendJSON(nil))
	return err
}

// A Channel is an upload's channel ("lvu:<ref>"), joined on the view's
// connection, for tests that drive the upload protocol chunk by chunk.
type Channel struct {
	v              *View
	topic, joinRef string
}

// JoinUpload joins the upload channel of the entry ref with its token and
// returns it and the offset the server holds. A refusal is an error
// carrying its reason.
func (v *View) JoinUpload(ref, token string) (*Channel, int64, error) {
	ch := &Channel{v: v, topic: wire.UploadTopicPrefix + ref, joinRef: v.nextRef()}
	f := wire.Frame{JoinRef: ch.joinRef, Ref: ch.joinRef, Topic: ch.topic, Event: wire.ClientJoin, Payload: wire.UploadJoin{Token: token}.AppendJSON(nil)}
	if err := v.ws.WriteMessage(websocket.TextMessage, f.AppendJSON(nil)); err != nil {
		return nil, 0, err
	}
	ack, err := ch.await(ch.joinRef)
	return ch, ack.Offset, err
}

// Chunk sends bytes at offset as one binary chunk and returns the server's
// ack. A refusal is an error saying why; its ack still says where the
// server stands.
func (ch *Channel) Chunk(offset int64, data []byte) (wire.UploadAck, error) {
	ref := ch.v.nextRef()
	frame := wire.AppendBinaryPush(nil, ch.joinRef, ref, ch.topic, wire.ClientChunk, wire.Chunk{Offset: offset, Data: data}.Append(nil))
	if err := ch.v.ws.WriteMessage(websocket.BinaryMessage, frame); err != nil {
		return wire.UploadAck{}, err
	}
	return ch.await(ref)
}

// Leave leaves the upload channel, without waiting for the reply.
func (ch *Channel) Leave() {
	f := wire.Frame{JoinRef: ch.joinRef, Ref: ch.v.nextRef(), Topic: ch.topic, Event: wire.ClientLeave, Payload: []byte("{}")}
	ch.v.ws.WriteMessage(websocket.TextMessage, f.AppendJSON(nil))
}

// await handles the view's frames until the reply to ref on the upload's
// topic arrives.
func (ch *Channel) await(ref string) (wire.UploadAck, error) {
	v := ch.v
	timer := time.NewTimer(Timeout)
	defer timer.Stop()
	for {
		select {
		case f, ok := <-v.frames:
			if !ok {
				return wire.UploadAck{}, fmt.Errorf("connection closed: %v", v.readErr)
			}
			if f.Topic != ch.topic {
				if _, _, _, err := v.handle(f, ""); err != nil {
					return wire.UploadAck{}, err
				}
				continue
			}
			if f.Event != wire.ServerReply || f.Ref != ref {
				continue
			}
			r, err := wire.DecodeReply(f.Payload)
			if err != nil {
				return wire.UploadAck{}, fmt.Errorf("reply %s: %w", f.Payload, err)
			}
			ack, aerr := wire.DecodeUploadAck(r.Response)
			if r.Status != wire.StatusOK {
				if aerr == nil && ack.Reason != "" {
					return ack, fmt.Errorf("refused: %s", ack.Reason)
				}
				return ack, fmt.Errorf("refused: %s", r.Response)
			}
			return ack, aerr
		case <-timer.C:
			return wire.UploadAck{}, fmt.Errorf("no reply to ref %s within %s", ref, Timeout)
		}
	}
}

// Reconnect drops the view's connection, as a network failure does, then
// connects again and rejoins the view, as the browser does. Upload
// channels joined before are gone; a [FileInput] announced again resumes
// its files where the server's bytes end.
func (v *View) Reconnect() {
	v.t.Helper()
	close(v.done)
	v.ws.Close()
	v.wg.Wait()
	if err := v.connect(); err != nil {
		v.t.Fatalf("livetest: reconnect: %v", err)
	}
	reason, err := v.join(wire.JoinPayload{})
	if err != nil || reason != nil {
		v.t.Fatalf("livetest: rejoin after reconnect: %v %s", err, reason)
	}
}

// Resume announces the files again after [View.Reconnect], as the browser
// does for uploads a dropped connection interrupted: the server answers
// with the offset it holds of each, and the next UploadTo continues from
// there.
func (fi *FileInput) Resume() {
	fi.v.t.Helper()
	a := wire.UploadAllow{Name: fi.name}
	for i, f := range fi.files {
		a.Entries = append(a.Entries, wire.UploadEntryMeta{Ref: ref(i), Name: f.Name, Type: f.Type, Size: int64(len(f.Content))})
	}
	fi.conns = map[string]*Channel{}
	fi.announce(a)
	for _, e := range fi.allowed.Entries {
		fi.sent[e.Ref] = e.Offset
	}
}

// Offset returns the bytes of a file the server acknowledged.
func (fi *FileInput) Offset(fileName string) int64 {
	fi.v.t.Helper()
	e, _ := fi.entry(fileName)
	return fi.sent[e.Ref]
}

// Token returns the token the server gave a file, to join its upload
// channel by hand with [View.JoinUpload].
func (fi *FileInput) Token(fileName string) string {
	fi.v.t.Helper()
	e, _ := fi.entry(fileName)
	return e.Token
}
