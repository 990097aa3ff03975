package wire

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/templive/templive/internal/jsonstr"
)

// TopicPrefix starts the topic of every live view: "lv:" + its id.
const TopicPrefix = "lv:"

// The events of a live view's topic. The phx_ ones are Phoenix's and mean
// what live/channel makes them mean; the others are the live view's own
// (docs/PROTOCOL.md, "Live views").
const (
	// Client to server.
	ClientJoin      = "phx_join"   // a [JoinPayload]
	ClientLeave     = "phx_leave"  // {}
	ClientEvent     = "event"      // an [Event]
	ClientLivePatch = "live_patch" // a [LivePatchRequest]

	// Server to client.
	ServerReply        = "phx_reply"     // a [Reply]
	ServerError        = "phx_error"     // the view crashed; the client rejoins
	ServerClose        = "phx_close"     // the view ended; the client does not rejoin
	ServerDiff         = "diff"          // a [Render] no client message caused
	ServerRedirect     = "redirect"      // a [Redirect]
	ServerLiveRedirect = "live_redirect" // a [LiveRedirect]
	ServerLivePatch    = "live_patch"    // a [LivePatch]
	ServerPong         = "pong"          // a [Pong]
)

// A Frame is one Phoenix Channels V2 text frame, [join_ref, ref, topic,
// event, payload], as a client writes and reads it: a null ref is "". The
// server's side of the same envelope belongs to live/channel; this one
// serves the programs that talk to a server as a browser does (livetest,
// the load generator).
type Frame struct {
	JoinRef, Ref string
	Topic, Event string
	Payload      json.RawMessage // {} when empty
}

// AppendJSON appends f's wire form to dst.
func (f Frame) AppendJSON(dst []byte) []byte {
	dst = append(dst, '[')
	dst = appendRef(dst, f.JoinRef)
	dst = append(dst, ',')
	dst = appendRef(dst, f.Ref)
	dst = append(dst, ',')
	dst = jsonstr.Append(dst, f.Topic)
	dst = append(dst, ',')
	dst = jsonstr.Append(dst, f.Event)
	dst = append(dst, ',')
	if len(f.Payload) == 0 {
		dst = append(dst, "{}"...)
	} else {
		dst = append(dst, f.Payload...)
	}
	return append(dst, ']')
}

// appendRef appends a ref, or null for "".
func appendRef(dst []byte, ref string) []byte {
	if ref == "" {
		return append(dst, "null"...)
	}
	return jsonstr.Append(dst, ref)
}

// DecodeFrame decodes a text frame: a JSON array of five elements whose
// refs are strings or null, whose topic and event are non-empty strings.
func DecodeFrame(data []byte) (Frame, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return Frame{}, malformed("frame is not a JSON array", err)
	}
	if len(parts) != 5 {
		return Frame{}, malformed(fmt.Sprintf("frame of %d elements, want 5", len(parts)), nil)
	}
	var f Frame
	var err error
	if f.JoinRef, err = decodeRef(parts[0]); err != nil {
		return Frame{}, malformed("frame join_ref is not a string or null", err)
	}
	if f.Ref, err = decodeRef(parts[1]); err != nil {
		return Frame{}, malformed("frame ref is not a string or null", err)
	}
	if err := json.Unmarshal(parts[2], &f.Topic); err != nil || f.Topic == "" {
		return Frame{}, malformed("frame topic is not a non-empty string", err)
	}
	if err := json.Unmarshal(parts[3], &f.Event); err != nil || f.Event == "" {
		return Frame{}, malformed("frame event is not a non-empty string", err)
	}
	f.Payload = parts[4]
	return f, nil
}

// decodeRef decodes a string or null ("").
func decodeRef(raw json.RawMessage) (string, error) {
	if bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err
}

// Reply statuses.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// A Reply is the payload of phx_reply: the answer to the client message
// whose ref the frame carries. Response is a [JoinReply] or a [Render] when
// Status is ok, a [Refusal] when it is error.
type Reply struct {
	Status   string
	Response json.RawMessage // {} when empty
}

// AppendJSON appends r's wire form to dst.
func (r Reply) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"status":`...)
	dst = jsonstr.Append(dst, r.Status)
	dst = append(dst, `,"response":`...)
	if len(r.Response) == 0 {
		dst = append(dst, "{}"...)
	} else {
		dst = append(dst, r.Response...)
	}
	return append(dst, '}')
}

// DecodeReply decodes a phx_reply payload. Its status must be ok or error;
// a missing response is {}.
func DecodeReply(raw []byte) (Reply, error) {
	var w struct {
		Status   *string         `json:"status"`
		Response json.RawMessage `json:"response"`
	}
	if err := decodeObject(raw, "reply", &w); err != nil {
		return Reply{}, err
	}
	if w.Status == nil || (*w.Status != StatusOK && *w.Status != StatusError) {
		return Reply{}, malformed(`reply status is not "ok" or "error"`, nil)
	}
	r := Reply{Status: *w.Status, Response: w.Response}
	if len(r.Response) == 0 {
		r.Response = json.RawMessage("{}")
	}
	return r, nil
}

// decodeObject unmarshals raw, which must be a JSON object, into v, a
// pointer to a struct that names the keys of message what.
func decodeObject(raw []byte, what string, v any) error {
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return malformed(what+" is not a JSON object", nil)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return malformed("malformed "+what, err)
	}
	return nil
}
