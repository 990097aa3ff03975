package live_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/templive/templive/live"
)

// Subscription is a form's values, decoded from the fields the browser sends.
type Subscription struct {
	Email string `form:"email"`
	Name  string `form:"name"`
}

// check is the view's validation: plain Go, or a validation library.
func (s Subscription) check() map[string]string {
	errs := map[string]string{}
	if !strings.Contains(s.Email, "@") {
		errs["email"] = "That is not an email address."
	}
	if s.Name == "" {
		errs["name"] = "Tell us your name."
	}
	return errs
}

func ExampleForm() {
	// A view keeps the form as a field; its HandleEvent feeds it the form's
	// live-change and live-submit events.
	f := live.Form[Subscription]{ID: "subscribe"}
	f.Update(live.Event{Type: live.EventChange, Name: "validate", Field: "email",
		Values: url.Values{"email": {"ada"}, "name": {""}}})
	valid := f.Validate(Subscription.check)

	// The name is wrong too, but the user has not been there yet.
	fmt.Println(valid, f.Error("email") != "", f.Error("name") != "")
	// The template renders each field with live.Input and live.FieldError.
	live.Input(f.Field("email"), nil).Render(context.Background(), os.Stdout)
	fmt.Println()
	live.FieldError(f.Field("email")).Render(context.Background(), os.Stdout)
	fmt.Println()
	// Output:
	// false true false
	// <input id="subscribe-email" name="email" value="ada" aria-invalid="true" aria-describedby="subscribe-email-error">
	// <p id="subscribe-email-error" class="error">That is not an email address.</p>
}
