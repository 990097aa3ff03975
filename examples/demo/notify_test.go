package main

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/templive/templive/pubsub"
)

func newTestNotifier(t *testing.T, ps *pubsub.PubSub, path string) *notifier {
	t.Helper()
	n, err := openNotifier(t.Context(), path, ps, []string{"root"}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNotificationsSurviveAReopenAndStayRead stores notifications for a
// user who is away, reopens the database as a restarted node would, and
// finds them unread, then read once marked.
func TestNotificationsSurviveAReopenAndStayRead(t *testing.T) {
	t.Parallel()
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ps.Close()
	path := filepath.Join(t.TempDir(), "demo.db")

	n := newTestNotifier(t, ps, path)
	ctx := t.Context()
	for _, m := range []struct{ topic, body string }{
		{userNotifications("bob"), "ada liked your post #1"},
		{userNotifications("ada"), "not for bob"},
		{adminNotifications, "for the admins only"},
		{everyoneNotifications, "for everyone"},
	} {
		if _, err := n.notify(ctx, m.topic, m.body, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := n.notify(ctx, everyoneNotifications, "   ", ""); err != errEmptyNotification {
		t.Errorf("an empty notification: %v, want errEmptyNotification", err)
	}
	n.Close()

	n = newTestNotifier(t, ps, path)
	defer n.Close()
	bodies := func(user string) (out []string, unread int) {
		items, unread, _, err := n.recent(ctx, user, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			out = append(out, it.Body)
		}
		return out, unread
	}
	got, unread := bodies("bob")
	if want := []string{"for everyone", "ada liked your post #1"}; !slices.Equal(got, want) || unread != 2 {
		t.Fatalf("bob's notifications after a reopen: %q, %d unread; want %q, 2 unread", got, unread, want)
	}
	got, unread = bodies("root")
	if want := []string{"for everyone", "for the admins only"}; !slices.Equal(got, want) || unread != 2 {
		t.Fatalf("the admin's notifications: %q, %d unread; want %q, 2 unread", got, unread, want)
	}

	// Bob's other tabs hear that he read them.
	sub, err := ps.Subscribe(userNotifications("bob"))
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	items, _, _, err := n.recent(ctx, "bob", 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.markRead(ctx, "bob", items[0].ID); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-sub.C():
		if r, ok := m.Payload.(notificationsRead); !ok || r.Upto != items[0].ID {
			t.Fatalf("bob's topic got %#v, want notificationsRead{%d}", m.Payload, items[0].ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no notificationsRead on bob's topic")
	}
	// Marking an older id read does not unread the newer ones.
	if err := n.markRead(context.Background(), "bob", 1); err != nil {
		t.Fatal(err)
	}
	if _, unread := bodies("bob"); unread != 0 {
		t.Fatalf("bob has %d unread after marking all read", unread)
	}
	if _, unread := bodies("ada"); unread != 2 {
		t.Fatalf("ada has %d unread, want her own and the broadcast", unread)
	}
}
