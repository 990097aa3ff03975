package content

import (
	"errors"
	"maps"
	"slices"
	"strings"
)

// Errors returned by this package. Compare with [errors.Is]: they are wrapped
// with the operation and the post they concern.
var (
	// ErrNotFound means no post has the given ID (it never existed, or it was
	// deleted).
	ErrNotFound = errors.New("content: post not found")
	// ErrForbidden means the user asking to edit or delete a post is not its
	// author.
	ErrForbidden = errors.New("content: only the author may change a post")
	// ErrInvalid matches every [*ValidationError], for callers that only need
	// to classify: errors.Is(err, content.ErrInvalid).
	ErrInvalid = errors.New("content: invalid post")
	// ErrClosed is returned by operations on a closed [Store].
	ErrClosed = errors.New("content: store closed")
	// ErrNewerSchema means the database was migrated by a newer build than
	// this one, or by another program: this build does not know every
	// migration it records, so it refuses to use it rather than guess.
	ErrNewerSchema = errors.New("content: database schema is newer than this build")
)

// A ValidationError reports input that was refused before anything was
// written. Fields maps the name of each offending field ("body", "user_id")
// to a short message meant for the person who typed it, such as
// "can't be blank"; a form shows each message next to its field.
//
//	var verr *content.ValidationError
//	if errors.As(err, &verr) {
//		form.Errors = verr.Fields
//	}
type ValidationError struct {
	Fields map[string]string
}

// Error lists the fields and their messages, sorted by field name.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("content: invalid post")
	for i, field := range slices.Sorted(maps.Keys(e.Fields)) {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(field)
		b.WriteByte(' ')
		b.WriteString(e.Fields[field])
	}
	return b.String()
}

// Is reports whether target is [ErrInvalid].
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }
