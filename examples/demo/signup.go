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

// Signup is the sign-up page: a form component that validates on every
// change and saves on submit, and the page's welcome once it did.
type Signup struct {
	Done string // the name of who signed up last
}

// Mount sets the title.
func (v *Signup) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	s.SetTitle("Sign up · templive demo")
	return nil
}

// Render shows the form.
func (v *Signup) Render() templ.Component { return signupView(v) }

// HandleInfo takes the form's news: someone signed up.
func (v *Signup) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if m, ok := msg.(signedUp); ok {
		v.Done = m.name
	}
	return nil
}

// signedUp is what the form component tells its page on a valid submit.
type signedUp struct{ name string }

// SignupCard is the form, a component with its own state: live.Form
// tracks which fields the user has used, so a field shows its error only
// once the user has been there. Its events come to it, not to the page,
// which it tells with Send when someone signed up.
type SignupCard struct {
	Form live.Form[SignupForm]
}

// Mount starts with an empty form.
func (c *SignupCard) Mount(ctx context.Context, s *live.Socket) error {
	c.Form.ID = "signup"
	return nil
}

// Render shows the form.
func (c *SignupCard) Render() templ.Component { return signupCard(c) }

// HandleEvent validates on change and saves on submit.
func (c *SignupCard) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name != "validate" && ev.Name != "save" {
		return nil
	}
	if err := c.Form.Update(ev); err != nil {
		return err
	}
	if c.Form.Validate(SignupForm.Validate) && ev.Name == "save" {
		s.Send(signedUp{name: strings.TrimSpace(c.Form.Values.Name)})
		c.Form.Reset(SignupForm{})
	}
	return nil
}
