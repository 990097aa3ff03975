package live

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/templive/templive/internal/wire"
	"github.com/templive/templive/live/channel"
)

// Reasons an upload channel refuses a join or a chunk. Each ends that
// upload only: the view and its other uploads go on.
const (
	reasonUploadUnknown   = "unknown upload"   // no such token, or cancelled
	reasonUploadElsewhere = "wrong connection" // the token belongs to another connection's view
	reasonUploadBusy      = "already uploading"
	reasonUploadOffset    = "bad offset" // the chunk does not start where the server's bytes end
	reasonUploadTooLarge  = UploadTooLarge
	reasonUploadChunk     = "chunk too large"
	reasonUploadNotBinary = "chunk not binary"
	reasonUploadDone      = "upload complete"
	reasonUploadFailed    = "upload failed"
)

// uploadChannel receives one entry's bytes: the [channel.Channel] joined
// on "lvu:<ref>" with the entry's token. Its methods run on its own
// goroutine; the chunk it handles is the only one it holds, since the
// client sends the next only after the ack.
type uploadChannel struct {
	srv *Server
	cc  *channel.Conn
	in  *inflight
}

// Join checks the token and that it belongs to a view of this very
// connection, opens the temporary file, and answers with the offset the
// client resumes from.
func (uc *uploadChannel) Join(ctx context.Context, raw json.RawMessage) (any, error) {
	j, err := wire.DecodeUploadJoin(raw)
	if err != nil {
		return nil, refuse(wire.Refusal{Reason: refusalReason(err)})
	}
	in := uc.srv.uploadsReg.get(j.Token)
	if in == nil {
		return nil, refuse(wire.Refusal{Reason: reasonUploadUnknown})
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	switch {
	case in.discarded:
		return nil, refuse(wire.Refusal{Reason: reasonUploadUnknown})
	case in.owner == nil || in.owner.conn != uc.cc.ConnectInfo():
		return nil, refuse(wire.Refusal{Reason: reasonUploadElsewhere})
	case in.joined != nil && in.joined.ConnectInfo() == uc.cc.ConnectInfo():
		// The client re-joined the topic: the socket ended the old channel
		// first, so this only happens for a second topic with one token.
		return nil, refuse(wire.Refusal{Reason: reasonUploadBusy})
	case in.failed != "":
		return nil, refuse(wire.Refusal{Reason: in.failed})
	}
	if in.file == nil && !in.done {
		f, err := openUploadFile(in.path)
		if err != nil {
			return nil, fmt.Errorf("live: upload file: %w", err)
		}
		in.file, in.path = f, f.Name()
	}
	if in.received == in.size && !in.done {
		in.finishLocked()
	}
	in.joined, uc.in = uc.cc, in
	return json.RawMessage(wire.UploadAck{Offset: in.received}.AppendJSON(nil)), nil
}

// openUploadFile opens the temporary file of an entry: a new one, or the
// one an interrupted upload left, to append to.
func openUploadFile(path string) (*os.File, error) {
	if path != "" {
		return os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	}
	return os.CreateTemp("", "templive-upload-*")
}

// HandleIn writes one chunk and acknowledges it with the bytes held. A
// chunk that does not start where those end, would pass the announced
// size or the chunk size, or comes for a cancelled entry, is refused with
// the offset the server holds; one past the size fails the entry.
func (uc *uploadChannel) HandleIn(ctx context.Context, msg channel.Message) (channel.Reply, error) {
	in := uc.in
	if msg.Name != wire.ClientChunk {
		return channel.ReplyReason("unknown event " + msg.Name), nil
	}
	if msg.Binary == nil {
		return channel.ReplyReason(reasonUploadNotBinary), nil
	}
	c, err := wire.DecodeChunk(msg.Binary)
	if err != nil {
		return channel.ReplyReason(refusalReason(err)), nil
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	refuse := func(reason string) (channel.Reply, error) {
		return channel.ReplyError(json.RawMessage(wire.UploadAck{Offset: in.received, Reason: reason}.AppendJSON(nil))), nil
	}
	switch {
	case in.discarded:
		return refuse(reasonUploadUnknown)
	case in.failed != "":
		return refuse(in.failed)
	case in.done:
		return refuse(reasonUploadDone)
	case c.Offset != in.received:
		return refuse(reasonUploadOffset)
	case len(c.Data) > in.chunkSize:
		return refuse(reasonUploadChunk)
	case in.received+int64(len(c.Data)) > in.size:
		in.failLocked(UploadTooLarge)
		return refuse(reasonUploadTooLarge)
	}
	if _, err := in.file.Write(c.Data); err != nil {
		uc.cc.Logger().Error("upload write failed", "err", err)
		in.failLocked(reasonUploadFailed)
		return refuse(reasonUploadFailed)
	}
	in.received += int64(len(c.Data))
	if in.received == in.size {
		in.finishLocked()
	} else if b := progressBucket(in.received, in.size); b > in.reported && in.owner != nil {
		in.reported = b
		in.owner.wake()
	}
	return channel.ReplyOK(json.RawMessage(wire.UploadAck{Offset: in.received}.AppendJSON(nil))), nil
}

// Terminate lets another channel (the page's, after a reconnect) take the
// entry over.
func (uc *uploadChannel) Terminate(error) {
	if uc.in == nil {
		return
	}
	uc.in.mu.Lock()
	if uc.in.joined == uc.cc {
		uc.in.joined = nil
	}
	uc.in.mu.Unlock()
}

// progressBucket returns the progress in steps of 5 %: the rate at which
// it reaches the view, whatever the chunk size.
func progressBucket(received, size int64) int {
	if size == 0 {
		return 20
	}
	return int(received * 20 / size)
}

// finishLocked closes the complete file and wakes the view.
func (in *inflight) finishLocked() {
	in.done = true
	in.reported = 20
	if in.file != nil {
		in.file.Close() // written with Write, whose errors were seen; nothing is buffered
		in.file = nil
	}
	if in.owner != nil {
		in.owner.wake()
	}
}

// failLocked fails the entry: its bytes go, and the view shows why.
func (in *inflight) failLocked(reason string) {
	in.failed = reason
	if in.file != nil {
		in.file.Close()
		in.file = nil
	}
	removeFile(in.path)
	in.path = ""
	if in.owner != nil {
		in.owner.wake()
	}
}
