package live_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// account is the form the tests of Form fill in.
type account struct {
	Name  string `form:"name"`
	Email string `form:"email"`
	Age   int    `form:"age"`
}

func (a account) check() map[string]string {
	errs := map[string]string{}
	if a.Name == "" {
		errs["name"] = "Tell us your name."
	}
	if !strings.Contains(a.Email, "@") {
		errs["email"] = "Not an email address."
	}
	if a.Age < 18 {
		errs["age"] = "18 or older."
	}
	return errs
}

func change(field string, vals url.Values) live.Event {
	return live.Event{Type: live.EventChange, Name: "validate", Field: field, Values: vals}
}

func submit(vals url.Values) live.Event {
	return live.Event{Type: live.EventSubmit, Name: "save", Values: vals}
}

func TestFormShowsErrorsOnlyForUsedFields(t *testing.T) {
	t.Parallel()
	empty := url.Values{"name": {""}, "email": {""}, "age": {""}}
	tests := []struct {
		name   string
		events []live.Event
		shown  []string // the fields whose error shows; every field has one
	}{
		{"a new form shows no error", nil, nil},
		{"a change shows the error of the field that changed only",
			[]live.Event{change("email", url.Values{"name": {""}, "email": {"x"}, "age": {""}})}, []string{"email"}},
		{"fields used before stay used",
			[]live.Event{
				change("email", url.Values{"name": {""}, "email": {"x"}, "age": {""}}),
				change("age", url.Values{"name": {""}, "email": {"x"}, "age": {"3"}}),
			}, []string{"email", "age"}},
		{"a change that names no field, replayed after a reconnect, marks the fields filled in",
			[]live.Event{change("", url.Values{"name": {""}, "email": {"x"}, "age": {"3"}})}, []string{"email", "age"}},
		{"a submit shows every error", []live.Event{submit(empty)}, []string{"name", "email", "age"}},
		{"changes after a submit still show every error",
			[]live.Event{submit(empty), change("name", empty)}, []string{"name", "email", "age"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var f live.Form[account]
			for _, ev := range tt.events {
				if err := f.Update(ev); err != nil {
					t.Fatal(err)
				}
				f.Validate(account.check)
			}
			for _, name := range []string{"name", "email", "age"} {
				if f.Errors[name] == "" && len(tt.events) > 0 {
					t.Fatalf("%s has no error to show or hide: %v", name, f.Errors)
				}
				want := ""
				if slices.Contains(tt.shown, name) {
					want = f.Errors[name]
				}
				if got := f.Error(name); got != want {
					t.Errorf("Error(%q) = %q, want %q", name, got, want)
				}
				if got := f.Field(name).Error; got != want {
					t.Errorf("Field(%q).Error = %q, want %q", name, got, want)
				}
			}
		})
	}
}

func TestFormErrorGoesAwayOnceFixed(t *testing.T) {
	t.Parallel()
	var f live.Form[account]
	f.Update(change("email", url.Values{"email": {"ada"}}))
	if f.Validate(account.check) || f.Error("email") == "" {
		t.Fatalf("a bad email: valid or no error: %v", f.Errors)
	}
	f.Update(change("email", url.Values{"email": {"ada@example.com"}}))
	f.Validate(account.check)
	if got := f.Error("email"); got != "" {
		t.Fatalf("the fixed email still shows %q", got)
	}
	if f.Valid() {
		t.Fatal("the form is valid while name and age are missing")
	}
}

func TestFormKeepsTextThatDoesNotParse(t *testing.T) {
	t.Parallel()
	var f live.Form[account]
	f.Reset(account{Age: 30})
	f.Update(change("age", url.Values{"name": {"Ada"}, "email": {"a@b.c"}, "age": {"thirty"}}))
	if f.Values.Age != 30 {
		t.Errorf("Values.Age = %d, want the 30 it had before", f.Values.Age)
	}
	if f.Values.Name != "Ada" {
		t.Errorf("a field that does not parse stopped the others: Values = %+v", f.Values)
	}
	if f.Valid() {
		t.Error("the form is valid right after Update with text that does not parse")
	}
	// The view's check finds nothing wrong with 30: the parse error stays.
	if f.Validate(account.check) {
		t.Fatal("Validate forgot that the age does not parse")
	}
	field := f.Field("age")
	if field.Value != "thirty" || !strings.Contains(field.Error, "thirty") {
		t.Fatalf("Field(age) = %+v, want what the user typed and why it is wrong", field)
	}
}

func TestFormFieldShowsResetValuesUntilTheUserTypes(t *testing.T) {
	t.Parallel()
	type settings struct {
		Title  string   `form:"title"`
		Limit  int      `form:"limit"`
		Ratio  float64  `form:"ratio"`
		Public bool     `form:"public"`
		Owner  *string  `form:"owner"`
		Tags   []string `form:"tags"`
	}
	f := live.Form[settings]{ID: "s"}
	f.Reset(settings{Title: "Notes", Limit: 1000000, Ratio: 0.5, Public: true, Tags: []string{"a", "b"}})
	want := map[string]string{"title": "Notes", "limit": "1000000", "ratio": "0.5", "public": "true", "owner": "", "tags": "a", "missing": ""}
	for name, v := range want {
		if got := f.Field(name); got.Value != v || got.ID != "s-"+name || got.Name != name {
			t.Errorf("Field(%q) = %+v, want value %q, id s-%s", name, got, v, name)
		}
	}
	f.Update(change("title", url.Values{"title": {"New"}, "limit": {"5"}}))
	if got := f.Field("title").Value; got != "New" {
		t.Errorf("title = %q after typing", got)
	}
	// A field the event did not carry keeps its value from Reset.
	if got := f.Values.Ratio; got != 0.5 {
		t.Errorf("Values.Ratio = %v, want 0.5 from Reset", got)
	}
	f.Reset(settings{})
	if got := f.Field("title").Value; got != "" || f.Used("title") || f.ID != "s" {
		t.Errorf("after Reset: title %q, used %t, ID %q", got, f.Used("title"), f.ID)
	}
}

func TestFormForgetsFieldNamesTheClientMadeUp(t *testing.T) {
	t.Parallel()
	var f live.Form[account]
	// A field outside the struct, sent with the form: used while it is sent.
	f.Update(change("confirm", url.Values{"confirm": {"x"}}))
	if !f.Used("confirm") {
		t.Error("a field the form sends, outside the struct, is not used")
	}
	for i := range 100 {
		f.Update(change(strings.Repeat("x", i+1), url.Values{"email": {"a"}}))
	}
	for i := range 100 {
		if f.Used(strings.Repeat("x", i+1)) {
			t.Fatalf("a name neither in the struct nor sent is remembered as used")
		}
	}
	if f.Used("confirm") {
		t.Error("confirm is still used once the form stopped sending it")
	}
	f.Update(change("email", url.Values{}))
	f.Update(change("name", url.Values{}))
	if !f.Used("email") || !f.Used("name") {
		t.Error("fields of the struct are forgotten when the form does not send them (an unchecked box)")
	}
}

func TestFormAddErrorAndValidateTogether(t *testing.T) {
	t.Parallel()
	var f live.Form[account]
	f.Update(submit(url.Values{"name": {"Ada"}, "email": {"ada@example.com"}, "age": {"30"}}))
	if !f.Validate(account.check) {
		t.Fatalf("a good form is not valid: %v", f.Errors)
	}
	f.AddError("email", "That address is taken.")
	if f.Valid() || f.Error("email") != "That address is taken." {
		t.Fatalf("AddError: valid %t, error %q", f.Valid(), f.Error("email"))
	}
	// Empty messages from a check are no problem.
	if !f.Validate(func(account) map[string]string { return map[string]string{"name": ""} }) {
		t.Fatalf("an empty message counts as a problem: %v", f.Errors)
	}
}

func TestFormOfANonStructIsAnError(t *testing.T) {
	t.Parallel()
	var f live.Form[int]
	if err := f.Update(change("x", url.Values{"x": {"1"}})); !errors.Is(err, live.ErrDecode) {
		t.Fatalf("Update of a Form[int] = %v, want ErrDecode", err)
	}
}

func TestFormComponentsEscapeWhatTheyRender(t *testing.T) {
	t.Parallel()
	bad := live.FormField{Name: `q"x`, ID: "f-q", Value: `<b>"&'`, Error: "bad <i>"}
	good := live.FormField{Name: "q", ID: "f-q", Value: "v"}
	tests := []struct {
		name string
		c    templ.Component
		want string
	}{
		{"an input with an error points to it",
			live.Input(bad, templ.Attributes{"type": "email", "onclick": "alert(1)"}),
			`<input id="f-q" name="q&#34;x" value="&lt;b&gt;&#34;&amp;&#39;" ` +
				`onclick="/* templ: failed sanitization, use templ.JSFuncCall, or templ.JSUnsafeFuncCall for trusted JavaScript */" type="email" ` +
				`aria-invalid="true" aria-describedby="f-q-error">`},
		{"an input without an error is not invalid",
			live.Input(good, nil), `<input id="f-q" name="q" value="v">`},
		{"a textarea keeps a leading newline of its value",
			live.TextArea(live.FormField{Name: "b", ID: "b", Value: "\n<x>"}, templ.Attributes{"rows": 3}),
			"<textarea id=\"b\" name=\"b\" rows=\"3\">\n\n&lt;x&gt;</textarea>"},
		{"an error message is escaped", live.FieldError(bad), `<p id="f-q-error" class="error">bad &lt;i&gt;</p>`},
		{"no error, no message", live.FieldError(good), ``},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var b strings.Builder
			if err := tt.c.Render(context.Background(), &b); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("rendered\n\t%s\nwant\n\t%s", b.String(), tt.want)
			}
		})
	}
}

// A checkbox of a bool field unchecks: the browser sends nothing for an
// unchecked box, and the field would keep its value from Reset.
func TestFormCheckboxUnchecksAFieldResetToTrue(t *testing.T) {
	t.Parallel()
	type settings struct {
		Public bool `form:"public"`
	}
	f := live.Form[settings]{ID: "s"}
	f.Reset(settings{Public: true})
	render := func() string {
		var b strings.Builder
		if err := live.Checkbox(f.Field("public"), templ.Attributes{"class": "c"}).Render(context.Background(), &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	want := `<input type="hidden" name="public" value="false"> <input type="checkbox" id="s-public" name="public" value="true" checked class="c">`
	if got := render(); got != want {
		t.Fatalf("rendered\n\t%s\nwant\n\t%s", got, want)
	}
	// What the browser sends for the form once the user unchecks the box:
	// the hidden input's value only.
	f.Update(change("public", url.Values{"public": {"false"}}))
	if f.Values.Public {
		t.Fatal("Values.Public is still true once unchecked")
	}
	if got := render(); strings.Contains(got, "checked") {
		t.Fatalf("an unchecked box renders %s", got)
	}
	// Checked again: both values, the last wins.
	f.Update(change("public", url.Values{"public": {"false", "true"}}))
	if !f.Values.Public || !strings.Contains(render(), "checked") {
		t.Fatalf("checked again: Values.Public %t, rendered %s", f.Values.Public, render())
	}
	f.AddError("public", "must agree")
	if got := render(); !strings.Contains(got, `aria-invalid="true" aria-describedby="s-public-error"`) {
		t.Fatalf("a checkbox with an error renders %s", got)
	}
}
