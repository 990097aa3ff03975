package live

import (
	"encoding/json"
	"fmt"
	"iter"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/templive/templive/internal/wire"
)

// Event types: the binding that sent an [Event]. They are the wire's
// names of the bindings.
const (
	EventClick   = "click"
	EventSubmit  = "submit"
	EventChange  = "change"
	EventBlur    = "blur"
	EventFocus   = "focus"
	EventKeyDown = "keydown"
	EventKeyUp   = "keyup"
	EventHook    = "hook" // pushEvent from a client hook
	// EventPush is a Push of client commands run by a binding that is no
	// DOM event (live-mounted, live-remove, live-connected,
	// live-disconnected) or sent by [Socket.Exec].
	EventPush = "push"
)

// An Event is what a binding in the browser sent: live-click="inc" on a
// button arrives as Event{Type: "click", Name: "inc"}.
type Event struct {
	// Type is the kind of binding: [EventClick], [EventSubmit], … .
	Type string
	// Name is the binding's value, the name the view switches on.
	Name string
	// Values holds a form's fields for submit and change, merged with the
	// element's live-value-* attributes (live-value-user-id="7" gives
	// Values["user-id"] = ["7"]). A keydown or keyup on an input, textarea
	// or select carries the field's current value as Values["value"], so a
	// search box bound with live-keyup reads what the user has typed.
	Values url.Values
	// Key is the KeyboardEvent.key of keydown and keyup events ("Enter").
	Key string
	// Field is, for change events, the name of the field that changed.
	Field string
	// Payload is the JSON value a client hook pushed (Type [EventHook]).
	Payload json.RawMessage
}

// Value returns the first value of the named field, or "".
func (e Event) Value(name string) string { return e.Values.Get(name) }

// Decode fills the struct v points to from e.Values (form fields and
// live-value-* attributes), or, for a hook event, from its JSON payload.
// Fields are matched by the `form:"name"` tag or, without one, by the
// lower-cased field name; a tag of "-" skips the field. Supported field
// types are strings, booleans ("on", "true", "1"), integers, floats, their
// pointers and slices of them. A value that does not parse is an error
// naming the field; absent fields are left as they are.
func (e Event) Decode(v any) error {
	if e.Type == EventHook {
		if err := json.Unmarshal(e.Payload, v); err != nil {
			return fmt.Errorf("live: event %q: %w", e.Name, err)
		}
		return nil
	}
	return DecodeForm(e.Values, v)
}

// DecodeForm fills the struct v points to from form values; see
// [Event.Decode] for the rules.
func DecodeForm(values url.Values, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("%w: want a pointer to a struct, got %T", ErrDecode, v)
	}
	for name, fv := range formFields(rv.Elem()) {
		vals := values[name]
		if len(vals) == 0 {
			continue
		}
		if err := setField(fv, vals); err != nil {
			return fmt.Errorf("%w: field %q: %w", ErrDecode, name, err)
		}
	}
	return nil
}

// formFields yields the fields of the struct rv that forms fill, by their
// form name: the `form` tag, else the lower-cased field name.
func formFields(rv reflect.Value) iter.Seq2[string, reflect.Value] {
	return func(yield func(string, reflect.Value) bool) {
		rt := rv.Type()
		for i := range rt.NumField() {
			f := rt.Field(i)
			if !f.IsExported() {
				continue
			}
			name := f.Tag.Get("form")
			if name == "-" {
				continue
			}
			if name == "" {
				name = strings.ToLower(f.Name)
			}
			if !yield(name, rv.Field(i)) {
				return
			}
		}
	}
}

// setField sets a struct field from the values of one form field.
func setField(fv reflect.Value, vals []string) error {
	switch fv.Kind() {
	case reflect.Slice:
		s := reflect.MakeSlice(fv.Type(), len(vals), len(vals))
		for i, v := range vals {
			if err := setScalar(s.Index(i), v); err != nil {
				return err
			}
		}
		fv.Set(s)
		return nil
	case reflect.Pointer:
		p := reflect.New(fv.Type().Elem())
		if err := setScalar(p.Elem(), vals[len(vals)-1]); err != nil {
			return err
		}
		fv.Set(p)
		return nil
	}
	// The last value wins, as with a checkbox after a hidden "false" input.
	return setScalar(fv, vals[len(vals)-1])
}

// setScalar parses s into a string, bool, integer or float value.
func setScalar(fv reflect.Value, s string) error {
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(s)
	case reflect.Bool:
		switch strings.ToLower(s) {
		case "on", "true", "1", "yes":
			fv.SetBool(true)
		case "off", "false", "0", "no", "":
			fv.SetBool(false)
		default:
			return fmt.Errorf("%q is not a boolean", s)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		fv.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(strings.TrimSpace(s), 10, fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not a non-negative whole number", s)
		}
		fv.SetUint(n)
	case reflect.Float32, reflect.Float64:
		n, err := strconv.ParseFloat(strings.TrimSpace(s), fv.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		fv.SetFloat(n)
	default:
		return fmt.Errorf("unsupported field type %s", fv.Type())
	}
	return nil
}

// eventFromWire returns the Event a decoded event payload carries.
func eventFromWire(w wire.Event) Event {
	return Event{Type: w.Type, Name: w.Name, Values: w.Values, Key: w.Key, Field: w.Field, Payload: w.Payload}
}
