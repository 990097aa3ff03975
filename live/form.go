package live

import (
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"strconv"
)

// A Form is the state of one HTML form of a view: the typed values decoded
// from what the user typed, the text of each field as typed, the problems
// validation found, and the fields the user has used, so that a field shows
// its problem only once the user has been there (Phoenix's used_input?).
// Without it, every view would track that by hand, and the first keystroke
// in one field would light up errors in all the others.
//
// A view keeps a Form as a field, feeds it the form's change and submit
// events, and validates with its own code: a function of T, or a
// validation library it calls.
//
//	type Signup struct{ Form live.Form[SignupForm] }
//
//	func (v *Signup) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
//		if err := v.Form.Update(ev); err != nil {
//			return err
//		}
//		if v.Form.Validate(SignupForm.Validate) && v.Form.Submitted() {
//			return save(ctx, v.Form.Values)
//		}
//		return nil
//	}
//
// Its template renders each field with [Input] (a bool one with
// [Checkbox]) and [FieldError], given [Form.Field]. T must be a struct; its fields are filled by the rules of
// [DecodeForm]. The zero value is an empty form; [Form.Reset] starts over
// from other values. A Form is not safe for concurrent use, which a view's
// callbacks, run one at a time, never need.
type Form[T any] struct {
	// ID is the id of the <form> element, which form recovery needs, and
	// the prefix of its fields' ids: ID "signup" gives the field "email"
	// the id "signup-email".
	ID string
	// Values is the form as the last event sent it, decoded onto the values
	// of the last Reset: a field the event did not carry, or whose text
	// does not parse, keeps its value from there.
	Values T
	// Raw is what the last event sent, field by field: an input shows this
	// text, even when it does not parse.
	Raw url.Values
	// Errors holds the problem of each field, by name, whether it shows or
	// not. Update leaves in it only the fields whose text does not parse;
	// Validate and AddError add the others.
	Errors map[string]string

	base      T                 // the values of the last Reset
	parseErrs map[string]string // fields whose text does not parse, from the last Update
	used      map[string]bool   // fields the user has changed, or filled in before a reconnect
	submitted bool
}

// Update reads a change or submit event of the form: it decodes the
// event's values into Values, keeps them as Raw, and notes which fields
// are now used. Each event replaces Raw, so live-change belongs on the
// <form>, whose events carry every field (one on an input carries only
// that input). A change marks the field that changed (Event.Field); a
// change that names no field is the form's state replayed after a
// reconnect, which marks every field the user had filled in; a submit
// marks the whole form. Errors is left with only the problems of text that
// does not parse: call Validate next.
//
// It returns an error, wrapping [ErrDecode], only when T is not a struct.
func (f *Form[T]) Update(ev Event) error {
	v := f.base
	rv := reflect.ValueOf(&v).Elem()
	if rv.Kind() != reflect.Struct {
		return fmt.Errorf("%w: a Form's values must be a struct, not %s", ErrDecode, rv.Type())
	}
	f.parseErrs = nil
	for name, fv := range formFields(rv) {
		vals := ev.Values[name]
		if len(vals) == 0 {
			continue
		}
		if err := setField(fv, vals); err != nil {
			if f.parseErrs == nil {
				f.parseErrs = map[string]string{}
			}
			f.parseErrs[name] = err.Error()
		}
	}
	f.Values, f.Raw, f.Errors = v, ev.Values, maps.Clone(f.parseErrs)

	switch {
	case ev.Type == EventSubmit:
		f.submitted = true
	case ev.Type == EventChange && ev.Field != "":
		f.use(ev.Field)
	case ev.Type == EventChange:
		for name, vals := range ev.Values {
			if len(vals) > 0 && vals[0] != "" {
				f.use(name)
			}
		}
	}
	// A field name is the client's to choose: only names of T or of this
	// event stay, so that made-up ones cannot pile up event after event.
	for name := range f.used {
		if _, sent := f.Raw[name]; !sent && !f.hasField(name) {
			delete(f.used, name)
		}
	}
	return nil
}

// use marks a field used.
func (f *Form[T]) use(name string) {
	if f.used == nil {
		f.used = map[string]bool{}
	}
	f.used[name] = true
}

// Validate replaces Errors with the problems check finds in Values (by
// field name; an empty message is no problem), keeps those of text that
// does not parse, and reports whether the form is valid.
func (f *Form[T]) Validate(check func(T) map[string]string) bool {
	f.Errors = maps.Clone(check(f.Values))
	maps.DeleteFunc(f.Errors, func(_, msg string) bool { return msg == "" })
	for name, msg := range f.parseErrs {
		f.AddError(name, msg)
	}
	return f.Valid()
}

// AddError records a problem with a field that only the view can find,
// such as an email address already taken.
func (f *Form[T]) AddError(name, msg string) {
	if f.Errors == nil {
		f.Errors = map[string]string{}
	}
	f.Errors[name] = msg
}

// Valid reports whether Errors is empty, shown or not.
func (f *Form[T]) Valid() bool { return len(f.Errors) == 0 }

// Used reports whether the user has changed the field, or filled it in
// before a reconnect.
func (f *Form[T]) Used(name string) bool { return f.used[name] }

// Submitted reports whether the form was submitted since the last Reset.
func (f *Form[T]) Submitted() bool { return f.submitted }

// Error returns the problem of the field to show: its error, once the
// field is used or the form submitted, else "".
func (f *Form[T]) Error(name string) string {
	if !f.submitted && !f.used[name] {
		return ""
	}
	return f.Errors[name]
}

// Reset starts the form over from values: nothing typed, used or wrong.
// An edit form starts from the record it edits; a form just saved starts
// from the zero value.
func (f *Form[T]) Reset(values T) {
	*f = Form[T]{ID: f.ID, Values: values, base: values}
}

// Field returns what a template needs to render the named field.
func (f *Form[T]) Field(name string) FormField {
	ff := FormField{Name: name, ID: name, Error: f.Error(name)}
	if f.ID != "" {
		ff.ID = f.ID + "-" + name
	}
	if vals := f.Raw[name]; len(vals) > 0 {
		ff.Value = vals[len(vals)-1] // the one that decodes, as DecodeForm reads it
	} else if fv, ok := f.field(name); ok {
		ff.Value = formatValue(fv)
	}
	return ff
}

// field returns the field of Values with the form name name.
func (f *Form[T]) field(name string) (reflect.Value, bool) {
	rv := reflect.ValueOf(&f.Values).Elem()
	if rv.Kind() != reflect.Struct {
		return reflect.Value{}, false
	}
	for n, fv := range formFields(rv) {
		if n == name {
			return fv, true
		}
	}
	return reflect.Value{}, false
}

// hasField reports whether T has a field with the form name name.
func (f *Form[T]) hasField(name string) bool {
	_, ok := f.field(name)
	return ok
}

// formatValue writes a decoded value back as a field's text: what
// DecodeForm would read back as the same value.
func formatValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		return formatValue(v.Elem())
	case reflect.Slice:
		if v.Len() == 0 {
			return ""
		}
		return formatValue(v.Index(0))
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'f', -1, v.Type().Bits())
	}
	return ""
}

// A FormField is one field of a [Form], as [Input], [TextArea] and
// [FieldError] render it.
type FormField struct {
	// Name is the field's name, which the browser sends its value under.
	Name string
	// ID is the input's id: the form's ID, a dash and the name.
	ID string
	// Value is the field's text: what the user typed, else the form's value.
	Value string
	// Error is the problem to show, "" while the field is unused.
	Error string
}

// isChecked reports whether a field's text is a true bool, as the form
// decodes it.
func isChecked(text string) bool {
	var b bool
	return setScalar(reflect.ValueOf(&b).Elem(), text) == nil && b
}
