// Package jsonstr appends Go strings to a buffer as JSON strings, the one way
// every hand-written encoder of the module writes them: the patch format
// (diff), the live-view messages (internal/wire), Phoenix frames
// (live/channel) and presence metas (presence).
//
// It imports nothing but the standard library, so any package may use it
// without breaking the rule that dependencies point inward.
package jsonstr

import "unicode/utf8"

const hex = "0123456789abcdef"

// Append appends s to dst as a JSON string. Unlike encoding/json it leaves
// <, > and & as they are: the frames it builds carry HTML and are never
// embedded in a page's script, and escaping them would cost six bytes each.
// Invalid UTF-8 becomes U+FFFD, as encoding/json does, since a WebSocket
// text frame must be valid UTF-8. Control characters are escaped (\n, \t,
// \r, else \u00XX), and so are " and \.
//
// Runs of bytes that need no escaping are copied in one append, so a string
// with nothing to escape costs one copy.
func Append(dst []byte, s string) []byte {
	dst = append(dst, '"')
	last := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[last:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			last = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[last:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			last = i
			continue
		}
		i += size
	}
	dst = append(dst, s[last:]...)
	return append(dst, '"')
}
