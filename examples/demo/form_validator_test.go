package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/a-h/templ"
	"github.com/go-playground/validator/v10"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// A live.Form validated by a validation library, here
// github.com/go-playground/validator: live depends on none, a view calls the
// one it likes and turns its errors into a message per field.

// membership is a form whose rules are validator's struct tags.
type membership struct {
	Email string `form:"email" validate:"required,email"`
	Age   int    `form:"age" validate:"gte=18"`
}

// validate names fields in its errors as the form does, by their form tag.
var validate = func() *validator.Validate {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		return f.Tag.Get("form")
	})
	return v
}()

// checkMembership is the func(T) map[string]string live.Form.Validate
// takes, on top of validator.
func checkMembership(m membership) map[string]string {
	err := validate.Struct(m)
	var fields validator.ValidationErrors
	if !errors.As(err, &fields) {
		return nil // nil, or an InvalidValidationError, which only a non-struct gets
	}
	errs := map[string]string{}
	for _, fe := range fields {
		errs[fe.Field()] = message(fe)
	}
	return errs
}

// message says what a validator tag wants, in words.
func message(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "Required."
	case "email":
		return "That is not an email address."
	case "gte":
		return fmt.Sprintf("%s or more.", fe.Param())
	}
	return "Not valid."
}

// joinView is a live view of the membership form.
type joinView struct {
	Form live.Form[membership]
	Done bool
}

func (v *joinView) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	v.Form.ID = "join"
	return nil
}

func (v *joinView) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		io.WriteString(w, `<form id="join" live-change="validate" live-submit="save">`)
		for _, name := range []string{"email", "age"} {
			f := v.Form.Field(name)
			if err := live.Input(f, nil).Render(ctx, w); err != nil {
				return err
			}
			if err := live.FieldError(f).Render(ctx, w); err != nil {
				return err
			}
		}
		_, err := fmt.Fprintf(w, `</form><p id="done">%t</p>`, v.Done)
		return err
	})
}

func (v *joinView) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	if err := v.Form.Update(ev); err != nil {
		return err
	}
	v.Done = v.Form.Validate(checkMembership) && v.Form.Submitted()
	return nil
}

func TestFormValidatedByGoPlaygroundValidator(t *testing.T) {
	t.Parallel()
	lv := newTestLive(t)
	lv.Page("/join", func() live.View { return &joinView{} })
	v := livetest.Mount(t, lv, "/join")

	v.Change("#join", "email", url.Values{"email": {"ada"}})
	if got := v.Text("#join-email-error"); got != "That is not an email address." {
		t.Fatalf("email error = %q", got)
	}
	if v.Has("#join-age-error") {
		t.Fatalf("the untouched age shows an error:\n%s", v.HTML())
	}

	v.Submit("#join", url.Values{"email": {"ada@example.com"}, "age": {"seventeen"}})
	if got := v.Text("#join-age-error"); !strings.Contains(got, "seventeen") {
		t.Fatalf("age error = %q, want why seventeen does not parse", got)
	}
	if got, _ := v.Attr("#join-age", "value"); got != "seventeen" {
		t.Fatalf("age shows %q, not what the user typed", got)
	}

	v.Submit("#join", url.Values{"email": {"ada@example.com"}, "age": {"17"}})
	if got := v.Text("#join-age-error"); got != "18 or more." {
		t.Fatalf("age error = %q", got)
	}
	v.Submit("#join", url.Values{"email": {"ada@example.com"}, "age": {"36"}})
	if v.Has(".error") || v.Text("#done") != "true" {
		t.Fatalf("a valid form was not saved:\n%s", v.HTML())
	}
}
