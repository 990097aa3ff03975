package main

import (
	"strings"
	"unicode/utf8"
)

// maxMessageChars is the most characters a chat message may have, on
// every path into a room: a live view's form, a Channels client's
// new_msg, and what a view shows of a broadcast. A room copies each
// message to every listener (and a view's HTML escaping makes its copy up
// to five times larger), so the size of a message is what one sender can
// make every listener hold.
const maxMessageChars = 2000

// Why a message cannot be said, as a Channels client reads it in the
// error reply's "reason".
const (
	reasonEmptyMessage   = "empty message"
	reasonMessageTooLong = "message too long"
)

// sayable returns body without surrounding spaces, and "" or the reason it
// cannot be said.
func sayable(body string) (msg, problem string) {
	msg = strings.TrimSpace(body)
	switch {
	case msg == "":
		return "", reasonEmptyMessage
	case utf8.RuneCountInString(msg) > maxMessageChars:
		return msg, reasonMessageTooLong
	}
	return msg, ""
}

// clip cuts s to at most n characters.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}
