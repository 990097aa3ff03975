package content

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxBodyLength is the longest body a post may have, in characters (Unicode
// code points, as [utf8.RuneCountInString] counts them), after surrounding
// white space is trimmed.
const MaxBodyLength = 280

// A Post is a short text written by one user. Posts are values: the Post a
// broadcast carries is a snapshot that later edits do not change.
type Post struct {
	ID     int64  `json:"id"`
	UserID string `json:"user_id"` // the author: only they may edit or delete it
	Body   string `json:"body"`    // trimmed, 1 to MaxBodyLength characters
	// Photo is the file name of the post's photo, which the application
	// stores, or "" for a post without one.
	Photo      string    `json:"photo,omitempty"`
	InsertedAt time.Time `json:"inserted_at"`
	UpdatedAt  time.Time `json:"updated_at"` // equals InsertedAt until the first edit
}

// validatePost returns the trimmed body, or a *ValidationError naming every
// field that is wrong.
func validatePost(userID, body string) (string, error) {
	fields := make(map[string]string)
	if userID == "" {
		fields["user_id"] = "can't be blank"
	}
	body = strings.TrimSpace(body)
	switch {
	case !utf8.ValidString(body):
		fields["body"] = "contains invalid characters"
	case body == "":
		fields["body"] = "can't be blank"
	case utf8.RuneCountInString(body) > MaxBodyLength:
		fields["body"] = fmt.Sprintf("should be at most %d characters", MaxBodyLength)
	}
	if len(fields) > 0 {
		return "", &ValidationError{Fields: fields}
	}
	return body, nil
}

// validPhoto reports whether name may be a post's photo: "" or a plain
// file name of lower-case letters, digits and dots, not starting with a
// dot, at most 64 bytes; never a path.
func validPhoto(name string) bool {
	if len(name) > 64 || strings.HasPrefix(name, ".") {
		return false
	}
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' {
			return false
		}
	}
	return true
}

// timeLayout is how times are stored: UTC, fixed width, nanoseconds, so that
// the text sorts like the time and reads back exactly.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}
