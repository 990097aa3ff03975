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
// saved on submit.
type Signup struct {
	Form    SignupForm
	Errors  map[string]string
	touched map[string]bool // fields the user has changed: only those show errors
	Done    string
}

// Mount starts with an empty form.
func (v *Signup) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.touched = map[string]bool{}
	s.SetTitle("Sign up · templive demo")
	return nil
}

// Render shows the form.
func (v *Signup) Render() templ.Component { return signupView(v) }

// HandleEvent validates on change and saves on submit.
func (v *Signup) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	var f SignupForm
	if err := ev.Decode(&f); err != nil {
		return nil // a form the page cannot send changes nothing
	}
	v.Form = f
	all := f.Validate()
	switch ev.Name {
	case "validate":
		switch {
		case ev.Field != "":
			v.touched[ev.Field] = true
		default:
			// A change with no field is the form's state replayed after a
			// reconnect: what the user had filled in was touched.
			for name, vals := range ev.Values {
				if len(vals) > 0 && vals[0] != "" {
					v.touched[name] = true
				}
			}
		}
		v.Errors = map[string]string{}
		for k, msg := range all {
			if v.touched[k] {
				v.Errors[k] = msg
			}
		}
	case "save":
		v.Errors = all
		if len(all) > 0 {
			for k := range all {
				v.touched[k] = true
			}
			return nil
		}
		v.Done = strings.TrimSpace(f.Name)
		v.Form = SignupForm{}
		v.touched = map[string]bool{}
	}
	return nil
}
