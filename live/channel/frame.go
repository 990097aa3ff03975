package channel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/templive/templive/internal/jsonstr"
)

// Phoenix's reserved event names.
const (
	eventJoin      = "phx_join"
	eventLeave     = "phx_leave"
	eventReply     = "phx_reply"
	eventClose     = "phx_close"
	eventError     = "phx_error"
	eventHeartbeat = "heartbeat"
	topicPhoenix   = "phoenix"
)

// Kinds of binary frames (Phoenix's V2 serializer).
const (
	kindPush      byte = 0
	kindReply     byte = 1
	kindBroadcast byte = 2
)

// Binary is a payload carried in a binary WebSocket frame instead of JSON.
// Pass it as the payload of [Conn.Push], [Conn.Broadcast],
// [Conn.BroadcastFrom], [Socket.Broadcast] or [NewBroadcast], or as the
// response of [ReplyOK] or [ReplyError] (a Join's response included), to
// send raw bytes; the phoenix client hands them to the application as an
// ArrayBuffer. What a client pushes in a binary frame arrives in
// [Message.Binary].
type Binary []byte

// frame is one message of the V2 protocol, [join_ref, ref, topic, event,
// payload]. An empty ref or join ref stands for null: the client never sends
// empty refs.
type frame struct {
	joinRef, ref, topic, event string
	payload                    json.RawMessage // for a text frame
	binary                     []byte          // for a binary frame; nil otherwise
	size                       int             // the length on the wire, counted while queued for a channel
}

// decodeText decodes a text frame. It never panics; any input that is not a
// five-element array with string-or-null refs and non-empty string topic and
// event is an [ErrMalformedFrame].
func decodeText(data []byte) (frame, error) {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil {
		return frame{}, fmt.Errorf("%w: not a JSON array", ErrMalformedFrame)
	}
	if len(parts) != 5 {
		return frame{}, fmt.Errorf("%w: want 5 elements, got %d", ErrMalformedFrame, len(parts))
	}
	var f frame
	var err error
	if f.joinRef, err = decodeRef(parts[0]); err != nil {
		return frame{}, fmt.Errorf("%w: join_ref: %v", ErrMalformedFrame, err)
	}
	if f.ref, err = decodeRef(parts[1]); err != nil {
		return frame{}, fmt.Errorf("%w: ref: %v", ErrMalformedFrame, err)
	}
	var ok bool
	if f.topic, ok = decodeString(parts[2]); !ok || f.topic == "" {
		return frame{}, fmt.Errorf("%w: topic must be a non-empty string", ErrMalformedFrame)
	}
	if f.event, ok = decodeString(parts[3]); !ok || f.event == "" {
		return frame{}, fmt.Errorf("%w: event must be a non-empty string", ErrMalformedFrame)
	}
	f.payload = parts[4]
	return f, nil
}

// decodeRef decodes a ref: a string, or null (returned as "").
func decodeRef(raw json.RawMessage) (string, error) {
	if bytes.Equal(raw, []byte("null")) {
		return "", nil
	}
	s, ok := decodeString(raw)
	if !ok {
		return "", errors.New("must be a string or null")
	}
	return s, nil
}

// decodeString decodes a JSON string from an element of an array that
// json.Unmarshal has already validated. Strings without escapes, the
// common case for refs, topics and events, are taken as they are.
func decodeString(raw json.RawMessage) (string, bool) {
	if len(raw) >= 2 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		inner := raw[1 : len(raw)-1]
		if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
			return string(inner), true
		}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// decodeBinary decodes a binary frame from the client: kind 0 (push),
// then the lengths of join_ref, ref, topic and event as one byte each, the
// four strings, and the raw payload. Other kinds are server→client only.
func decodeBinary(data []byte) (frame, error) {
	const header = 5
	if len(data) < header {
		return frame{}, fmt.Errorf("%w: binary frame shorter than its header", ErrMalformedFrame)
	}
	if data[0] != kindPush {
		return frame{}, fmt.Errorf("%w: binary frame kind %d is not a push", ErrMalformedFrame, data[0])
	}
	var fields [4]string
	off := header
	for i := range fields {
		n := int(data[1+i])
		if off+n > len(data) {
			return frame{}, fmt.Errorf("%w: binary frame field %d overruns the frame", ErrMalformedFrame, i)
		}
		if !utf8.Valid(data[off : off+n]) {
			return frame{}, fmt.Errorf("%w: binary frame field %d is not UTF-8", ErrMalformedFrame, i)
		}
		fields[i] = string(data[off : off+n])
		off += n
	}
	f := frame{joinRef: fields[0], ref: fields[1], topic: fields[2], event: fields[3]}
	if f.topic == "" || f.event == "" {
		return frame{}, fmt.Errorf("%w: binary frame without topic or event", ErrMalformedFrame)
	}
	f.binary = append([]byte{}, data[off:]...)
	return f, nil
}

// encodeText encodes [join_ref, ref, topic, event, payload] with an
// already-encoded JSON payload.
func encodeText(joinRef, ref, topic, event string, payload json.RawMessage) []byte {
	b := make([]byte, 0, 32+len(topic)+len(event)+len(payload))
	b = append(b, '[')
	b = appendRef(b, joinRef)
	b = append(b, ',')
	b = appendRef(b, ref)
	b = append(b, ',')
	b = jsonstr.Append(b, topic)
	b = append(b, ',')
	b = jsonstr.Append(b, event)
	b = append(b, ',')
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	b = append(b, payload...)
	return append(b, ']')
}

// appendRef appends a ref as a JSON string, or null for "".
func appendRef(b []byte, ref string) []byte {
	if ref == "" {
		return append(b, "null"...)
	}
	return jsonstr.Append(b, ref)
}

// errFieldTooLong is returned when a binary frame's header field exceeds
// the 255 bytes its one-byte length allows.
var errFieldTooLong = errors.New("channel: binary frame field longer than 255 bytes")

// encodeBinary encodes a server→client binary frame of the given kind:
// push (join_ref, topic, event), reply (join_ref, ref, topic, status) or
// broadcast (topic, event), followed by data.
func encodeBinary(kind byte, fields []string, data []byte) ([]byte, error) {
	n := 1 + len(fields) + len(data)
	for _, f := range fields {
		if len(f) > 255 {
			return nil, errFieldTooLong
		}
		n += len(f)
	}
	b := make([]byte, 0, n)
	b = append(b, kind)
	for _, f := range fields {
		b = append(b, byte(len(f)))
	}
	for _, f := range fields {
		b = append(b, f...)
	}
	return append(b, data...), nil
}

// outFrame is an encoded frame waiting in a connection's outbound queue.
type outFrame struct {
	data   []byte
	binary bool
}

// encodePush encodes a server push or broadcast (ref null). An empty
// joinRef makes it a broadcast frame.
func encodePush(joinRef, topic, event string, payload any) (outFrame, error) {
	if bin, ok := payload.(Binary); ok {
		var data []byte
		var err error
		if joinRef == "" {
			data, err = encodeBinary(kindBroadcast, []string{topic, event}, bin)
		} else {
			data, err = encodeBinary(kindPush, []string{joinRef, topic, event}, bin)
		}
		return outFrame{data: data, binary: true}, err
	}
	raw, err := marshalPayload(payload)
	if err != nil {
		return outFrame{}, err
	}
	return outFrame{data: encodeText(joinRef, "", topic, event, raw)}, nil
}

// encodeReply encodes a phx_reply frame.
func encodeReply(joinRef, ref, topic string, r Reply) (outFrame, error) {
	status := r.status
	if status == "" {
		status = statusOK
	}
	if bin, ok := r.response.(Binary); ok {
		data, err := encodeBinary(kindReply, []string{joinRef, ref, topic, status}, bin)
		return outFrame{data: data, binary: true}, err
	}
	resp, err := marshalPayload(r.response)
	if err != nil {
		return outFrame{}, err
	}
	payload := make([]byte, 0, len(resp)+32)
	payload = append(payload, `{"status":`...)
	payload = jsonstr.Append(payload, status)
	payload = append(payload, `,"response":`...)
	payload = append(payload, resp...)
	payload = append(payload, '}')
	return outFrame{data: encodeText(joinRef, ref, topic, eventReply, payload)}, nil
}

// marshalPayload encodes a payload as JSON; nil becomes {} as Phoenix sends
// it.
func marshalPayload(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case nil:
		return json.RawMessage("{}"), nil
	case json.RawMessage:
		if len(v) == 0 {
			return json.RawMessage("{}"), nil
		}
		return v, nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("channel: encode payload: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
