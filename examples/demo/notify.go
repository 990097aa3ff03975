package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver, pure Go

	"github.com/templive/templive/pubsub"
)

// Notifications, as the brief's topic conventions name them: each is
// addressed to a PubSub topic, and stored with it, so that a user's bell
// lists what its topics received while they were away and follows them
// live while a page is open.
//
//   - "user:<id>" (userNotifications): one user's, such as a like on their post;
//   - "admin:notifications" (adminNotifications): alerts to every admin,
//     such as a new post on the feed;
//   - "notifications" (everyoneNotifications): the admin's broadcasts to
//     every user.
//
// A notification is stored first, then broadcast: PubSub carries it to
// every node, where each bell subscribed to its topic (one per open tab)
// receives it once. What a user has read is one number, the highest id
// they marked read, so "mark all as read" is one write, and the other
// tabs hear of it on the user's topic.
const (
	adminNotifications    = "admin:notifications"
	everyoneNotifications = "notifications"
)

// userNotifications is the topic of one user's notifications.
func userNotifications(user string) string { return "user:" + user }

// maxNotificationChars bounds a notification's text.
const maxNotificationChars = 280

// Notification is one notification, as stored and as broadcast.
type Notification struct {
	ID    int64  `json:"id"`
	Topic string `json:"topic"`
	Body  string `json:"body"`
	Link  string `json:"link"`
	At    int64  `json:"at"` // Unix seconds
}

// notificationsRead is broadcast on a user's topic when they marked
// everything up to Upto read, for their other tabs.
type notificationsRead struct {
	Upto int64 `json:"upto"`
}

// notifier stores notifications in SQLite and broadcasts them. It is safe
// for concurrent use; Close closes its database.
type notifier struct {
	db     *sql.DB
	ps     *pubsub.PubSub
	admins map[string]bool
	logger *slog.Logger
}

// openNotifier opens (creating it if need be) the notifications table in
// the SQLite file at path, or in memory for content.MemoryPath (":memory:").
func openNotifier(ctx context.Context, path string, ps *pubsub.PubSub, admins []string, logger *slog.Logger) (*notifier, error) {
	for _, err := range []error{
		pubsub.Register[Notification](ps, "demo.Notification"),
		pubsub.Register[notificationsRead](ps, "demo.notificationsRead"),
	} {
		if err != nil {
			return nil, fmt.Errorf("register notification messages: %w", err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Set("_txlock", "immediate")
	dsn := ":memory:?" + q.Encode()
	if path != ":memory:" {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			return nil, fmt.Errorf("create directory: %w", err)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return nil, err
		}
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		p := filepath.ToSlash(abs)
		if !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		dsn = (&url.URL{Scheme: "file", Path: p, RawQuery: q.Encode()}).String()
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if path == ":memory:" {
		db.SetMaxOpenConns(1) // each connection would be a database of its own
	}
	// The feed's migrations own the rest of the file; these two tables
	// are the notifier's, created on first use.
	_, err = db.ExecContext(ctx, `
CREATE TABLE IF NOT EXISTS notifications (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	topic TEXT NOT NULL,
	body TEXT NOT NULL,
	link TEXT NOT NULL,
	at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_topic ON notifications (topic, id);
CREATE TABLE IF NOT EXISTS notifications_read (
	user_id TEXT PRIMARY KEY,
	upto INTEGER NOT NULL
);`)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("create the notifications tables: %w", err)
	}
	n := &notifier{db: db, ps: ps, admins: map[string]bool{}, logger: logger}
	for _, a := range admins {
		if a = strings.TrimSpace(a); a != "" {
			n.admins[a] = true
		}
	}
	return n, nil
}

// Close closes the database.
func (n *notifier) Close() error { return n.db.Close() }

// isAdmin reports whether user is one of the demo's admins (-admins).
func (n *notifier) isAdmin(user string) bool { return n.admins[user] }

// topics returns the notification topics user follows.
func (n *notifier) topics(user string) []string {
	ts := []string{userNotifications(user), everyoneNotifications}
	if n.isAdmin(user) {
		ts = append(ts, adminNotifications)
	}
	return ts
}

// errEmptyNotification refuses a notification without text.
var errEmptyNotification = errors.New("demo: empty notification")

// notify stores a notification to topic, then broadcasts it there. The
// text is trimmed and cut to maxNotificationChars.
func (n *notifier) notify(ctx context.Context, topic, body, link string) (Notification, error) {
	body = strings.TrimSpace(body)
	if body == "" {
		return Notification{}, errEmptyNotification
	}
	if r := []rune(body); len(r) > maxNotificationChars {
		body = string(r[:maxNotificationChars-1]) + "…"
	}
	nt := Notification{Topic: topic, Body: body, Link: link, At: time.Now().Unix()}
	err := n.db.QueryRowContext(ctx, `INSERT INTO notifications (topic, body, link, at) VALUES (?, ?, ?, ?) RETURNING id`,
		nt.Topic, nt.Body, nt.Link, nt.At).Scan(&nt.ID)
	if err != nil {
		return Notification{}, fmt.Errorf("store notification: %w", err)
	}
	// Stored: whatever becomes of the broadcast, the bell lists it on the
	// next page.
	if err := n.ps.Broadcast(context.WithoutCancel(ctx), topic, nt); err != nil {
		n.logger.Error("notification stored but not broadcast", "topic", topic, "err", err)
	}
	return nt, nil
}

// recent returns user's latest notifications, newest first, with how many
// of all of them are unread and the highest id read.
func (n *notifier) recent(ctx context.Context, user string, limit int) (items []Notification, unread int, upto int64, err error) {
	ts := n.topics(user)
	in := "?" + strings.Repeat(",?", len(ts)-1)
	args := make([]any, 0, len(ts)+2)
	for _, t := range ts {
		args = append(args, t)
	}
	err = n.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT upto FROM notifications_read WHERE user_id = ?), 0)`, user).Scan(&upto)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("read state: %w", err)
	}
	err = n.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM notifications WHERE topic IN (`+in+`) AND id > ?`, append(args, upto)...).Scan(&unread)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("count unread: %w", err)
	}
	rows, err := n.db.QueryContext(ctx, `SELECT id, topic, body, link, at FROM notifications WHERE topic IN (`+in+`) ORDER BY id DESC LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("list notifications: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var nt Notification
		if err := rows.Scan(&nt.ID, &nt.Topic, &nt.Body, &nt.Link, &nt.At); err != nil {
			return nil, 0, 0, err
		}
		items = append(items, nt)
	}
	return items, unread, upto, rows.Err()
}

// markRead marks every notification of user up to upto read, and tells
// their other tabs.
func (n *notifier) markRead(ctx context.Context, user string, upto int64) error {
	_, err := n.db.ExecContext(ctx, `INSERT INTO notifications_read (user_id, upto) VALUES (?, ?)
ON CONFLICT (user_id) DO UPDATE SET upto = MAX(upto, excluded.upto)`, user, upto)
	if err != nil {
		return fmt.Errorf("mark read: %w", err)
	}
	return n.ps.Broadcast(ctx, userNotifications(user), notificationsRead{Upto: upto})
}
