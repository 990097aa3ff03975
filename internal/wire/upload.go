package wire

import (
	"encoding/binary"
	"encoding/json"
	"strconv"

	"github.com/templive/templive/internal/jsonstr"
)

// UploadTopicPrefix starts the topic of an upload channel: "lvu:" and the
// client's reference of the entry. Chunks travel there as binary pushes,
// on the same connection as the view, so uploads share its auth.
const UploadTopicPrefix = "lvu:"

// The upload messages.
const (
	// ClientAllowUpload, on a view's topic, announces files chosen for an
	// upload (an [UploadAllow]); the reply is a [Render] whose Reply is an
	// [UploadAllowed].
	ClientAllowUpload = "allow_upload"
	// ClientChunk, on an upload's topic, is a binary push whose payload is
	// a [Chunk]; the reply is an [UploadAck] or a [Refusal].
	ClientChunk = "chunk"
	// ClientUploadProgress, on a view's topic, reports the progress of an
	// external upload (an [UploadProgress]).
	ClientUploadProgress = "upload_progress"
)

// Bounds of what a client may announce.
const (
	// MaxUploadAllowEntries bounds the entries of one allow_upload.
	MaxUploadAllowEntries = 10000
	// MaxUploadText bounds an entry's ref, name and type, in bytes.
	MaxUploadText = 1024
)

// An UploadAllow is the payload of allow_upload: the files the user chose
// for the upload Name, as the browser describes them, before any byte is
// sent. The server judges them against the view's rules.
type UploadAllow struct {
	Name    string
	Entries []UploadEntryMeta
}

// An UploadEntryMeta describes one chosen file.
type UploadEntryMeta struct {
	Ref  string // the client's reference, unique in the page
	Name string // the file's name
	Type string // its MIME type, as the browser guessed it ("" if unknown)
	Size int64  // its size in bytes
}

// AppendJSON appends a's wire form to dst.
func (a UploadAllow) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"name":`...)
	dst = jsonstr.Append(dst, a.Name)
	dst = append(dst, `,"entries":[`...)
	for i, e := range a.Entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"ref":`...)
		dst = jsonstr.Append(dst, e.Ref)
		dst = append(dst, `,"name":`...)
		dst = jsonstr.Append(dst, e.Name)
		dst = append(dst, `,"type":`...)
		dst = jsonstr.Append(dst, e.Type)
		dst = append(dst, `,"size":`...)
		dst = strconv.AppendInt(dst, e.Size, 10)
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// DecodeUploadAllow decodes an allow_upload payload from a client. The
// name is required; at most [MaxUploadAllowEntries] entries, each with a
// ref, a size of at least zero, and texts of at most [MaxUploadText]
// bytes. Errors' Reason is what the client is told.
func DecodeUploadAllow(raw []byte) (UploadAllow, error) {
	var w struct {
		Name    string `json:"name"`
		Entries []struct {
			Ref  string `json:"ref"`
			Name string `json:"name"`
			Type string `json:"type"`
			Size int64  `json:"size"`
		} `json:"entries"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return UploadAllow{}, malformed("malformed allow_upload", err)
	}
	if w.Name == "" {
		return UploadAllow{}, malformed("allow_upload without a name", nil)
	}
	if len(w.Entries) > MaxUploadAllowEntries {
		return UploadAllow{}, malformed("too many entries", nil)
	}
	a := UploadAllow{Name: w.Name, Entries: make([]UploadEntryMeta, 0, len(w.Entries))}
	for _, e := range w.Entries {
		switch {
		case e.Ref == "":
			return UploadAllow{}, malformed("upload entry without a ref", nil)
		case e.Size < 0:
			return UploadAllow{}, malformed("negative upload size", nil)
		case len(e.Ref) > MaxUploadText || len(e.Name) > MaxUploadText || len(e.Type) > MaxUploadText:
			return UploadAllow{}, malformed("upload entry text too long", nil)
		}
		a.Entries = append(a.Entries, UploadEntryMeta{Ref: e.Ref, Name: e.Name, Type: e.Type, Size: e.Size})
	}
	return a, nil
}

// An UploadAllowed is the server's answer to an allow_upload, in the Reply
// of its render: per entry, in the order announced, either a token to join
// the upload's channel with (or the view's external target), or errors.
type UploadAllowed struct {
	ChunkSize int  // bytes per chunk
	Auto      bool // upload as soon as chosen, rather than on submit
	Entries   []UploadAllowedEntry
}

// An UploadAllowedEntry is the server's verdict on one announced file.
type UploadAllowedEntry struct {
	Ref string
	// Token is the join payload's token of the entry's upload channel,
	// "" for a rejected or external entry.
	Token string
	// Offset is where the upload resumes: the bytes the server already
	// holds of an entry that was interrupted.
	Offset int64
	// Errors name why the entry is rejected ("not_accepted", "too_large",
	// "too_many_files"); empty when it is accepted.
	Errors []string
	// External is what the view returned for an external upload (a
	// presigned URL and its method, say), as JSON; nil otherwise.
	External json.RawMessage
}

// AppendJSON appends a's wire form to dst.
func (a UploadAllowed) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"chunk":`...)
	dst = strconv.AppendInt(dst, int64(a.ChunkSize), 10)
	dst = append(dst, `,"auto":`...)
	dst = strconv.AppendBool(dst, a.Auto)
	dst = append(dst, `,"entries":[`...)
	for i, e := range a.Entries {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"ref":`...)
		dst = jsonstr.Append(dst, e.Ref)
		if e.Token != "" {
			dst = append(dst, `,"token":`...)
			dst = jsonstr.Append(dst, e.Token)
		}
		if e.Offset != 0 {
			dst = append(dst, `,"offset":`...)
			dst = strconv.AppendInt(dst, e.Offset, 10)
		}
		if len(e.Errors) > 0 {
			dst = append(dst, `,"errors":[`...)
			for j, s := range e.Errors {
				if j > 0 {
					dst = append(dst, ',')
				}
				dst = jsonstr.Append(dst, s)
			}
			dst = append(dst, ']')
		}
		if len(e.External) > 0 {
			dst = append(dst, `,"external":`...)
			dst = append(dst, e.External...)
		}
		dst = append(dst, '}')
	}
	return append(dst, "]}"...)
}

// DecodeUploadAllowed decodes the server's answer to an allow_upload.
func DecodeUploadAllowed(raw []byte) (UploadAllowed, error) {
	var w struct {
		ChunkSize *int `json:"chunk"`
		Auto      bool `json:"auto"`
		Entries   []struct {
			Ref      *string         `json:"ref"`
			Token    string          `json:"token"`
			Offset   int64           `json:"offset"`
			Errors   []string        `json:"errors"`
			External json.RawMessage `json:"external"`
		} `json:"entries"`
	}
	if err := decodeObject(raw, "upload allowed", &w); err != nil {
		return UploadAllowed{}, err
	}
	if w.ChunkSize == nil {
		return UploadAllowed{}, malformed("upload allowed without chunk", nil)
	}
	a := UploadAllowed{ChunkSize: *w.ChunkSize, Auto: w.Auto}
	for _, e := range w.Entries {
		if e.Ref == nil {
			return UploadAllowed{}, malformed("upload allowed entry without ref", nil)
		}
		a.Entries = append(a.Entries, UploadAllowedEntry{Ref: *e.Ref, Token: e.Token, Offset: e.Offset, Errors: e.Errors, External: nilIfNull(e.External)})
	}
	return a, nil
}

// An UploadJoin is the join payload of an upload's channel.
type UploadJoin struct {
	Token string
}

// AppendJSON appends j's wire form to dst.
func (j UploadJoin) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"token":`...)
	dst = jsonstr.Append(dst, j.Token)
	return append(dst, '}')
}

// DecodeUploadJoin decodes an upload channel's join payload from a client;
// the token is required.
func DecodeUploadJoin(raw []byte) (UploadJoin, error) {
	var w struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return UploadJoin{}, malformed("malformed upload join", err)
	}
	if w.Token == "" || len(w.Token) > MaxUploadText {
		return UploadJoin{}, malformed("upload join without a token", nil)
	}
	return UploadJoin{Token: w.Token}, nil
}

// An UploadAck is the reply to an upload channel's join and to each
// chunk: the bytes the server holds, which is where the next chunk starts.
// An error reply carries the reason the chunk was refused, with the same
// offset, so the client knows where it stands.
type UploadAck struct {
	Offset int64
	Reason string // error replies only
}

// AppendJSON appends a's wire form to dst.
func (a UploadAck) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"offset":`...)
	dst = strconv.AppendInt(dst, a.Offset, 10)
	if a.Reason != "" {
		dst = append(dst, `,"reason":`...)
		dst = jsonstr.Append(dst, a.Reason)
	}
	return append(dst, '}')
}

// DecodeUploadAck decodes an upload ack; offset is required.
func DecodeUploadAck(raw []byte) (UploadAck, error) {
	var w struct {
		Offset *int64 `json:"offset"`
		Reason string `json:"reason"`
	}
	if err := decodeObject(raw, "upload ack", &w); err != nil {
		return UploadAck{}, err
	}
	if w.Offset == nil || *w.Offset < 0 {
		return UploadAck{}, malformed("upload ack without offset", nil)
	}
	return UploadAck{Offset: *w.Offset, Reason: w.Reason}, nil
}

// A Chunk is the binary payload of a chunk push: the offset in the file
// of its first byte, 8 bytes big-endian, then the bytes. The offset lets
// the server refuse a chunk that is not the next one, so that a chunk
// replayed or skipped after a reconnect can never corrupt the file.
type Chunk struct {
	Offset int64
	Data   []byte
}

// chunkHeader is the size of a chunk's offset.
const chunkHeader = 8

// Append appends c's binary form to dst.
func (c Chunk) Append(dst []byte) []byte {
	dst = binary.BigEndian.AppendUint64(dst, uint64(c.Offset))
	return append(dst, c.Data...)
}

// DecodeChunk decodes a chunk's binary payload. Data aliases b.
func DecodeChunk(b []byte) (Chunk, error) {
	if len(b) < chunkHeader {
		return Chunk{}, malformed("chunk without an offset", nil)
	}
	off := binary.BigEndian.Uint64(b)
	if off > 1<<62 {
		return Chunk{}, malformed("chunk offset out of range", nil)
	}
	return Chunk{Offset: int64(off), Data: b[chunkHeader:]}, nil
}

// An UploadProgress is the payload of upload_progress: the client's report
// of an external upload's progress, in percent, by the entry's ref, or of
// its failure.
type UploadProgress struct {
	Name     string
	Ref      string
	Progress int
	// Error, if set, says the upload failed (the storage refused it, or
	// the network did): a short reason for the server's log, at most
	// [MaxUploadText] bytes. The page is shown a fixed error, never it.
	Error string
}

// AppendJSON appends p's wire form to dst.
func (p UploadProgress) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"name":`...)
	dst = jsonstr.Append(dst, p.Name)
	dst = append(dst, `,"ref":`...)
	dst = jsonstr.Append(dst, p.Ref)
	dst = append(dst, `,"progress":`...)
	dst = strconv.AppendInt(dst, int64(p.Progress), 10)
	if p.Error != "" {
		dst = append(dst, `,"error":`...)
		dst = jsonstr.Append(dst, p.Error)
	}
	return append(dst, '}')
}

// DecodeUploadProgress decodes an upload_progress payload from a client:
// name and ref required, progress between 0 and 100, an error of at most
// [MaxUploadText] bytes.
func DecodeUploadProgress(raw []byte) (UploadProgress, error) {
	var w struct {
		Name     string `json:"name"`
		Ref      string `json:"ref"`
		Progress int    `json:"progress"`
		Error    string `json:"error"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return UploadProgress{}, malformed("malformed upload_progress", err)
	}
	if w.Name == "" || w.Ref == "" || w.Progress < 0 || w.Progress > 100 || len(w.Error) > MaxUploadText {
		return UploadProgress{}, malformed("invalid upload_progress", nil)
	}
	return UploadProgress{Name: w.Name, Ref: w.Ref, Progress: w.Progress, Error: w.Error}, nil
}

// AppendBinaryPush appends a client's binary push frame (kind 0, then the
// lengths of join_ref, ref, topic and event, the four fields, and the
// payload), as the phoenix client writes one for an ArrayBuffer payload.
// Each field must be at most 255 bytes.
func AppendBinaryPush(dst []byte, joinRef, ref, topic, event string, payload []byte) []byte {
	dst = append(dst, 0, byte(len(joinRef)), byte(len(ref)), byte(len(topic)), byte(len(event)))
	dst = append(dst, joinRef...)
	dst = append(dst, ref...)
	dst = append(dst, topic...)
	dst = append(dst, event...)
	return append(dst, payload...)
}
