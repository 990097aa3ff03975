package main

import (
	"context"
	"strings"
	"testing"
)

// The bell is a sticky view nested in the layout: it stays open, and
// keeps following its user's notifications, while the user navigates
// live between pages.
func TestBellKeepsItsStateAcrossLiveNavigation(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := signedIn(t, a, "bob")
	v := c.Live("/counter")
	bell := v.Nested("bell")
	bell.Click("#bell-button")
	if !bell.Has("#bell-menu") {
		t.Fatalf("the bell did not open:\n%s", bell.HTML())
	}
	for _, to := range []string{"/feed", "/lab", "/counter"} {
		v.Navigate(to)
		if v.Redirect() != "" {
			t.Fatalf("navigation to %s loaded the page in full (%s)", to, v.Redirect())
		}
	}
	if !bell.Has("#bell-menu") {
		t.Fatalf("the bell closed during the navigations:\n%s", bell.HTML())
	}
	if _, err := a.notes.notify(context.Background(), userNotifications("bob"), "hello bob", ""); err != nil {
		t.Fatal(err)
	}
	bell.SyncUntil("the notification shows", func() bool {
		return bell.Has("#bell-items") && strings.Contains(bell.Text("#bell-items"), "hello bob")
	})
	if got := bell.Text("#bell-count"); got != "1" {
		t.Fatalf("the bell counts %q, want 1", got)
	}
}
