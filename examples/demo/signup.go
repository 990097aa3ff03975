package main

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// SignupForm is the form's typed values, decoded from the browser's fields.
type SignupForm struct {
	Name     string `form:"name"`
	Email    string `form:"email"`
	Password string `form:"password"`
}

// Validate returns the problem of each field, keyed by field name.
func (f SignupForm) Validate() map[string]string {
	errs := map[string]string{}
	switch n := utf8.RuneCountInString(strings.TrimSpace(f.Name)); {
	case n == 0:
		errs["name"] = "Tell us your name."
	case n > 40:
		errs["name"] = "40 characters at most."
	}
	at := strings.IndexByte(f.Email, '@')
	if at < 1 || !strings.Contains(f.Email[at+1:], ".") || strings.ContainsAny(f.Email, " \t") {
		errs["email"] = "That does not look like an email address."
	}
	if utf8.RuneCountInString(f.Password) < 8 {
		errs["password"] = "8 characters at least."
	}
	return errs
}

// Signup is a form validated on every change, with errors per field, and
// saved on submit. live.Form tracks which fields the user has used, so a
// field shows its error only once the user has been there.
type Signup struct {
	Form live.Form[SignupForm]
	Done string
}

// Mount starts with an empty form.
func (v *Signup) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.Form.ID = "signup"
	s.SetTitle("Sign up · templive demo")
	return nil
}

// Render shows the form.
func (v *Signup) Render() templ.Component { return signupView(v) }

// HandleEvent validates on change and saves on submit.
func (v *Signup) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name != "validate" && ev.Name != "save" {
		return nil
	}
	if err := v.Form.Update(ev); err != nil {
		return err
	}
	if v.Form.Validate(SignupForm.Validate) && ev.Name == "save" {
		v.Done = strings.TrimSpace(v.Form.Values.Name)
		v.Form.Reset(SignupForm{})
	}
	return nil
}
