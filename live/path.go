package live

import (
	"net/url"
	"unicode"
	"unicode/utf8"
)

// IsLocalPath reports whether s, used as a link or a redirect target, keeps
// the browser on the current site: it is an absolute path such as
// "/rooms/1?tab=2", with no scheme and no host. It is the one check behind
// [Socket.Redirect], [Socket.PushNavigate] and [Socket.PushPatch]; use it
// for any "next" or "return_to" a user can choose before redirecting there.
//
// It judges s as a browser's URL parser (the WHATWG URL Standard) reads it,
// not as net/url does, because the browser decides where it goes: browsers
// drop tabs and newlines anywhere in a URL, trim control characters and
// spaces around it, and read "\" as "/" in http(s) URLs, so "/\evil.example",
// "/\t/evil.example" and "/\/evil.example" all lead to evil.example. An s
// that starts with anything but one "/" followed by something other than "/"
// or "\", that holds a control character (a tab, a newline, NUL, DEL), or
// that net/url cannot parse, is refused.
func IsLocalPath(s string) bool {
	// A leading "/" rules out a scheme ("javascript:", "https:") and
	// leading spaces; a second "/" or "\" would start a host.
	if s == "" || s[0] != '/' {
		return false
	}
	if len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	// Browsers remove tabs and newlines before parsing ("/\t/x" is
	// "//x"), and no local path needs any other control character.
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsControl(r) {
			return false
		}
		i += size
	}
	// What net/url cannot parse, the runtime cannot route.
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "" && u.Host == "" && u.Opaque == "" && u.User == nil
}

// resolveLocal resolves the local path to against base, the page's URL,
// and reports whether both it and what it resolves to are local paths:
// dot segments fold away when resolving, so "/.//evil.example" is a local
// path that resolves to "//evil.example", which the browser, told it as
// the path to go to, reads as another host.
func resolveLocal(base *url.URL, to string) (*url.URL, bool) {
	if !IsLocalPath(to) {
		return nil, false
	}
	u, err := base.Parse(to)
	if err != nil || !IsLocalPath(u.RequestURI()) {
		return nil, false
	}
	return u, true
}
