package wire

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/templive/templive/internal/jsonstr"
	"github.com/templive/templive/render"
)

// Event types: the binding that sent an [Event].
const (
	TypeClick   = "click"
	TypeSubmit  = "submit"
	TypeChange  = "change"
	TypeBlur    = "blur"
	TypeFocus   = "focus"
	TypeKeyDown = "keydown"
	TypeKeyUp   = "keyup"
	TypeHook    = "hook" // pushEvent from a client hook
	// TypePush is a client command's push from a binding that is no DOM
	// event, or from commands the server sent.
	TypePush = "push"
)

// MaxEventValues bounds the values one event may carry, and one recovered
// form.
const MaxEventValues = 1000

// An Event is the payload of the client's "event" message: what a binding
// or a hook's pushEvent sent. On the wire,
//
//	{"t": type, "e": name, "v": values, "k": key, "f": field, "el": element, "c": component}
//
// where v is the url-encoded values for a binding and any JSON value for a
// hook.
type Event struct {
	// Type is one of the Type constants.
	Type string
	// Name is the binding's value, or the name a hook pushed.
	Name string
	// Values are a binding's values: a form's fields for submit and change,
	// and the element's live-value-* attributes. Never nil in a decoded
	// binding event; nil in a hook event.
	Values url.Values
	// Payload is the JSON value a hook pushed ("null" if none); nil in a
	// binding event.
	Payload json.RawMessage
	// Key is the KeyboardEvent.key of keydown and keyup.
	Key string
	// Field is, for change, the name of the field that changed.
	Field string
	// Element is the id of the element that sent the event, if it has one.
	Element string
	// Component is the id of the component the event is for: the
	// live-target or live-component attribute nearest the element that
	// sent it. "" and [TargetView] mean the view itself.
	Component string
	// Seq numbers the events of one view's page, from 1 up, so that the
	// server applies an event the client re-sends after a reconnect only
	// once; 0 when the client does not number them.
	Seq uint64
}

// TargetView is the live-target that sends an element's events to the
// view rather than to the component around it.
const TargetView = "view"

// AppendJSON appends e's wire form to dst: v is Payload for a hook ("null"
// if empty) and the url-encoded Values otherwise; k, f and el only when
// set, and c when it names a component.
func (e Event) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"t":`...)
	dst = jsonstr.Append(dst, e.Type)
	dst = append(dst, `,"e":`...)
	dst = jsonstr.Append(dst, e.Name)
	dst = append(dst, `,"v":`...)
	switch {
	case e.Type != TypeHook:
		dst = jsonstr.Append(dst, e.Values.Encode())
	case len(e.Payload) == 0:
		dst = append(dst, "null"...)
	default:
		dst = append(dst, e.Payload...)
	}
	for _, kv := range [...]struct{ key, val string }{{"k", e.Key}, {"f", e.Field}, {"el", e.Element}, {"c", e.Component}} {
		if kv.val != "" {
			dst = append(dst, ',', '"')
			dst = append(dst, kv.key...)
			dst = append(dst, '"', ':')
			dst = jsonstr.Append(dst, kv.val)
		}
	}
	if e.Seq != 0 {
		dst = append(dst, `,"q":`...)
		dst = strconv.AppendUint(dst, e.Seq, 10)
	}
	return append(dst, '}')
}

// DecodeEvent decodes an event payload from a client, refusing what no
// binding sends: an unknown type, a binding event without a name, values
// that are not a url-encoded string or more than [MaxEventValues] of them.
// Keys match as encoding/json matches them (case-insensitively); unknown
// keys are ignored. The error's Reason is what the server answers the
// client.
func DecodeEvent(raw []byte) (Event, error) {
	var w struct {
		Type    string          `json:"t"`
		Name    string          `json:"e"`
		Values  json.RawMessage `json:"v"`
		Key     string          `json:"k"`
		Field   string          `json:"f"`
		Element string          `json:"el"`
		Target  string          `json:"c"`
		Seq     uint64          `json:"q"`
	}
	if err := json.Unmarshal(raw, &w); err != nil {
		return Event{}, malformed("malformed event", err)
	}
	ev := Event{Type: w.Type, Name: w.Name, Key: w.Key, Field: w.Field, Element: w.Element, Seq: w.Seq}
	if w.Target != TargetView {
		ev.Component = w.Target
	}
	switch w.Type {
	case TypeClick, TypeSubmit, TypeChange, TypeBlur, TypeFocus, TypeKeyDown, TypeKeyUp, TypePush:
	case TypeHook:
		ev.Payload = w.Values
		if len(ev.Payload) == 0 {
			ev.Payload = json.RawMessage("null")
		}
		return ev, nil
	default:
		return Event{}, malformed(fmt.Sprintf("unknown event type %q", w.Type), nil)
	}
	if w.Name == "" {
		return Event{}, malformed("event without a name", nil)
	}
	ev.Values = url.Values{}
	if len(w.Values) == 0 || string(w.Values) == "null" {
		return ev, nil
	}
	var enc string
	if err := json.Unmarshal(w.Values, &enc); err != nil {
		return Event{}, malformed("event values must be a url-encoded string", nil)
	}
	vals, err := ParseValues(enc)
	if err != nil {
		return Event{}, err
	}
	ev.Values = vals
	return ev, nil
}

// ParseValues decodes url-encoded values from the browser (an event's, or
// a form's a join recovers), at most [MaxEventValues] of them.
func ParseValues(enc string) (url.Values, error) {
	if strings.Count(enc, "&") >= MaxEventValues {
		return nil, malformed(fmt.Sprintf("event carries more than %d values", MaxEventValues), nil)
	}
	vals, err := url.ParseQuery(enc)
	if err != nil {
		return nil, malformed("event values: "+err.Error(), nil)
	}
	return vals, nil
}

// Attributes that route an element's events (see [Event.Component]).
const (
	AttrComponent = "live-component" // on a component's root element: its id
	AttrTarget    = "live-target"    // a component's id, or TargetView
)

// EventTarget returns the component an event of el, an element of the
// tree under root, goes to, as the client finds it: the live-target or
// else live-component of the nearest element around el (el included)
// that has either; "" for the view. found is false when el is not in the
// tree.
func EventTarget(root, el *render.Node) (component string, found bool) {
	path := pathTo(root, el, nil)
	if path == nil {
		return "", false
	}
	for i := len(path) - 1; i >= 0; i-- {
		t, ok := path[i].Attr(AttrTarget)
		if !ok {
			t, ok = path[i].Attr(AttrComponent)
		}
		if ok {
			if t == TargetView {
				t = ""
			}
			return t, true
		}
	}
	return "", true
}

// pathTo returns the elements from n down to el, appended to path, or nil
// when el is not under n.
func pathTo(n, el *render.Node, path []*render.Node) []*render.Node {
	path = append(path, n)
	if n == el {
		return path
	}
	for i := range n.Children {
		if p := pathTo(&n.Children[i], el, path); p != nil {
			return p
		}
	}
	return nil
}
