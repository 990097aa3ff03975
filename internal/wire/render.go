package wire

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/templive/templive/diff"
	"github.com/templive/templive/internal/jsonstr"
)

// A Render is what a render sends the client: the response of an event's
// or a live_patch's ok reply, or the payload of a "diff" push. Every part
// is optional.
type Render struct {
	// Patch ("d") is a patch in the wire form of [diff.Patch.AppendJSON],
	// applied to the root first; nil when the render changed nothing.
	Patch json.RawMessage
	// Streams ("s") are stream operations, applied in order after Patch.
	Streams []StreamOp
	// Reply ("r") is the view's reply to a hook event: any JSON value.
	Reply json.RawMessage
	// Events ("ev") are the events the view pushed to client hooks, in order,
	// each [name, payload] on the wire.
	Events []PushedEvent
	// Exec ("x") are lists of client commands the view sent
	// (live.Socket.Exec), each the JSON array [[op, args], …] it is, run in
	// order after the patch and the events.
	Exec []json.RawMessage
	// Title ("title") is a new document title; nil when unchanged.
	Title *string
}

// A PushedEvent is an event the view pushed to the page's client hooks.
type PushedEvent struct {
	Name    string
	Payload json.RawMessage // any JSON value
}

// Empty reports whether r carries nothing: a render that is not sent.
func (r Render) Empty() bool {
	return len(r.Patch) == 0 && len(r.Streams) == 0 && len(r.Reply) == 0 && len(r.Events) == 0 && len(r.Exec) == 0 && r.Title == nil
}

// AppendJSON appends r's wire form to dst, every key omitted when empty, in
// the order d, s, r, ev, x, title.
func (r Render) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	sep := func() {
		if dst[len(dst)-1] != '{' {
			dst = append(dst, ',')
		}
	}
	if len(r.Patch) > 0 {
		dst = append(dst, `"d":`...)
		dst = append(dst, r.Patch...)
	}
	if len(r.Streams) > 0 {
		sep()
		dst = append(dst, `"s":`...)
		dst = AppendStreamOps(dst, r.Streams)
	}
	if len(r.Reply) > 0 {
		sep()
		dst = append(dst, `"r":`...)
		dst = append(dst, r.Reply...)
	}
	if len(r.Events) > 0 {
		sep()
		dst = append(dst, `"ev":[`...)
		for i, e := range r.Events {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, '[')
			dst = jsonstr.Append(dst, e.Name)
			dst = append(dst, ',')
			if len(e.Payload) == 0 {
				dst = append(dst, "null"...)
			} else {
				dst = append(dst, e.Payload...)
			}
			dst = append(dst, ']')
		}
		dst = append(dst, ']')
	}
	if len(r.Exec) > 0 {
		sep()
		dst = append(dst, `"x":[`...)
		for i, x := range r.Exec {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, x...)
		}
		dst = append(dst, ']')
	}
	if r.Title != nil {
		sep()
		dst = append(dst, `"title":`...)
		dst = jsonstr.Append(dst, *r.Title)
	}
	return append(dst, '}')
}

// DecodeRender decodes a render. It checks every part: d must be a patch
// [diff.DecodeJSON] accepts, s stream operations [DecodeStreamOps] accepts,
// ev a list of [name, payload] pairs, x a list of JSON arrays, title a
// string. A null d, r or event payload decodes as nil, which encodes as it
// came.
func DecodeRender(raw []byte) (Render, error) {
	var w struct {
		Patch   json.RawMessage   `json:"d"`
		Streams json.RawMessage   `json:"s"`
		Reply   json.RawMessage   `json:"r"`
		Events  []json.RawMessage `json:"ev"`
		Exec    []json.RawMessage `json:"x"`
		Title   *string           `json:"title"`
	}
	if err := decodeObject(raw, "render", &w); err != nil {
		return Render{}, err
	}
	r := Render{Patch: w.Patch, Reply: w.Reply, Title: w.Title}
	r.Patch, r.Reply = nilIfNull(r.Patch), nilIfNull(r.Reply)
	if r.Patch != nil {
		if _, err := diff.DecodeJSON(r.Patch); err != nil {
			return Render{}, malformed("render patch", err)
		}
	}
	if w.Streams != nil {
		ops, err := DecodeStreamOps(w.Streams)
		if err != nil {
			return Render{}, err
		}
		r.Streams = ops
	}
	for i, raw := range w.Events {
		var pair []json.RawMessage
		if err := json.Unmarshal(raw, &pair); err != nil || len(pair) != 2 {
			return Render{}, malformed(fmt.Sprintf("render event %d is not [name, payload]", i), err)
		}
		var e PushedEvent
		if err := json.Unmarshal(pair[0], &e.Name); err != nil {
			return Render{}, malformed(fmt.Sprintf("render event %d: name is not a string", i), err)
		}
		e.Payload = nilIfNull(pair[1])
		r.Events = append(r.Events, e)
	}
	for i, raw := range w.Exec {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || list == nil {
			return Render{}, malformed(fmt.Sprintf("render commands %d are not a list", i), err)
		}
		r.Exec = append(r.Exec, raw)
	}
	return r, nil
}

// Marshal encodes a value a view gave (a hook reply, a pushed event's
// payload) as JSON the way every payload travels: without escaping <, >
// and &.
func Marshal(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("wire: encode %T: %w", v, err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// nilIfNull returns nil for a JSON null, raw otherwise.
func nilIfNull(raw json.RawMessage) json.RawMessage {
	if string(raw) == "null" {
		return nil
	}
	return raw
}
