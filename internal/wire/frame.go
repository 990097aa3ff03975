package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

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
// pointer to a struct whose json tags name the keys of message what. It
// is the decoder of what the server sends, so it is as strict as the
// browser, which reads keys as they are spelt: a key that is not one of
// the tags, exactly, is an error (see exactKeys), where encoding/json
// alone would match {"D": …} to "d" or skip an unknown key.
func decodeObject(raw []byte, what string, v any) error {
	if t := bytes.TrimLeft(raw, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return malformed(what+" is not a JSON object", nil)
	}
	if err := exactKeys(raw, reflect.TypeOf(v).Elem(), what); err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return malformed("malformed "+what, err)
	}
	return nil
}

// exactKeys checks that the keys of raw, an object of struct type t, are
// among t's json tags, spelt exactly, and so are the keys of the objects
// its fields hold (a struct, a pointer to one, a slice of them). A value
// without the shape t gives it is left for json.Unmarshal to report.
func exactKeys(raw []byte, t reflect.Type, what string) error {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return nil
	}
	fields := map[string]reflect.Type{}
	var names []string
	for f := range t.Fields() {
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			fields[name] = f.Type
			names = append(names, name)
		}
	}
	for k, v := range obj {
		ft, ok := fields[k]
		if !ok {
			return malformed(fmt.Sprintf("%s has an unknown key %q (its keys are %s)", what, k, strings.Join(names, ", ")), nil)
		}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			if err := exactKeys(v, ft, what+" "+k); err != nil {
				return err
			}
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			var items []json.RawMessage
			if json.Unmarshal(v, &items) != nil {
				continue
			}
			for i, item := range items {
				if err := exactKeys(item, ft.Elem(), fmt.Sprintf("%s %s %d", what, k, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
