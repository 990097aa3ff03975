package main

import (
	"context"
	"net/url"
	"strings"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
)

// SigninForm is the sign-in form: a name, and the page to go to next.
type SigninForm struct {
	Name string `form:"name"`
	Next string `form:"next"`
}

// Validate explains what is wrong with the name, as POST /signin will.
func (f SigninForm) Validate() map[string]string {
	if problem := validName(strings.TrimSpace(f.Name)); problem != "" {
		return map[string]string{"name": problem}
	}
	return nil
}

// Signin checks the name as the user types. A live view cannot set a
// cookie, so once a submit is valid it sets live-trigger-action on the
// form: the browser then posts it to POST /signin, which sets the cookie
// and sends the user on, as the form would without JavaScript.
type Signin struct {
	Form    live.Form[SigninForm]
	Trigger bool // the form goes to POST /signin
}

// Mount starts from the page to go to next.
func (v *Signin) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.Form.ID = "signin"
	v.Form.Reset(SigninForm{Next: params.Get("next")})
	s.SetTitle("Sign in · templive demo")
	return nil
}

// Render shows the form.
func (v *Signin) Render() templ.Component { return signinView(v) }

// HandleEvent validates on change, and on a valid submit hands the form
// to the browser.
func (v *Signin) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if ev.Name != "validate" && ev.Name != "signin" {
		return nil
	}
	if err := v.Form.Update(ev); err != nil {
		return err
	}
	v.Trigger = v.Form.Validate(SigninForm.Validate) && ev.Name == "signin"
	return nil
}
