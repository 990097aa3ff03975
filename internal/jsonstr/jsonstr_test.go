package jsonstr_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/templive/templive/internal/jsonstr"
)

func TestAppend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"an empty string is two quotes", "", `""`},
		{"plain ASCII is copied as it is", "lv:phx-F8x_ab", `"lv:phx-F8x_ab"`},
		{"HTML keeps its angle brackets and ampersands", `<a href="/x?a=1&b=2">`, `"<a href=\"/x?a=1&b=2\">"`},
		{"quotes and backslashes are escaped", `say "\"`, `"say \"\\\""`},
		{"newline, tab and carriage return have short escapes", "a\nb\tc\rd", `"a\nb\tc\rd"`},
		{"other control characters are \\u escapes", "\x00\x1f\b\f", `"\u0000\u001f\u0008\u000c"`},
		{"multi-byte UTF-8 is copied as it is", "café ✓ 😀 \u2028", "\"café ✓ 😀 \u2028\""},
		{"invalid UTF-8 becomes U+FFFD", "a\xffb\xc3", `"a\ufffdb\ufffd"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(jsonstr.Append([]byte("x"), tc.in)); got != "x"+tc.want {
				t.Errorf("Append(%q) = %s, want %s", tc.in, got[1:], tc.want)
			}
		})
	}
}

// FuzzAppend checks that what Append writes is a JSON string that decodes
// to s, with invalid UTF-8 replaced as encoding/json replaces it.
func FuzzAppend(f *testing.F) {
	for _, s := range []string{"", "<p>a & b</p>", "\"\\\n\x00", "\xff\xfe", "é😀\u2028"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := jsonstr.Append(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("Append(%q) = %s, not a JSON string: %v", s, b, err)
		}
		if want := replaceInvalid(s); got != want {
			t.Fatalf("Append(%q) decodes to %q, want %q", s, got, want)
		}
	})
}

// replaceInvalid replaces each byte of s that is not part of valid UTF-8
// with U+FFFD, as encoding/json does.
func replaceInvalid(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// BenchmarkAppend measures the common case of the patch format: HTML with
// quotes to escape.
func BenchmarkAppend(b *testing.B) {
	s := strings.Repeat(`<li class="item" id="p-42">Hello, world &amp; friends</li>`, 40)
	buf := make([]byte, 0, 2*len(s))
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		buf = jsonstr.Append(buf[:0], s)
	}
}
