package live_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/templive/templive/live"
)

// pathCases are targets a user could choose for a redirect, with whether
// they keep the browser on the site. The off-site ones lead a browser
// elsewhere; the demo's browser test checks that Chromium agrees.
var pathCases = []struct {
	name  string
	path  string
	local bool
}{
	{"the root is local", "/", true},
	{"a path with a query and a fragment is local", "/rooms/1?tab=2#last", true},
	{"a double slash after the first segment is local", "/a//b", true},
	{"a backslash after the first segment is local", "/a\\b", true},
	{"a percent-encoded tab stays in the path", "/%09/evil.example", true},
	{"a percent-encoded slash stays in the path", "/%2F/evil.example", true},
	{"a percent-encoded backslash stays in the path", "/%5Cevil.example", true},
	{"a URL in the query is local", "/signin?next=//evil.example", true},
	{"a dot segment before a double slash is local", "/.//evil.example", true},

	{"the empty string is not a path", "", false},
	{"a relative path is refused", "evil.example", false},
	{"an absolute URL is refused", "https://evil.example/", false},
	{"a scheme-relative URL is refused", "//evil.example", false},
	{"a backslash after the slash is refused", "/\\evil.example/", false},
	{"two backslashes are refused", "\\\\evil.example", false},
	{"a backslash then a slash is refused", "\\/evil.example", false},
	{"a slash, a backslash and a slash are refused", "/\\/evil.example", false},
	{"a tab between the slashes is refused", "/\t/evil.example/", false},
	{"a leading tab is refused", "\t//evil.example", false},
	{"a CR LF between the slashes is refused", "/\r\n/evil.example", false},
	{"a newline inside the path is refused", "/a\nb", false},
	{"a NUL is refused", "/a\x00b", false},
	{"DEL is refused", "/a\x7fb", false},
	{"a leading space is refused", " /evil", false},
	{"a leading space before two slashes is refused", " //evil.example", false},
	{"javascript is refused", "javascript:alert(1)", false},
	{"javascript after a tab is refused", "\tjavascript:alert(1)", false},
	{"a data URL is refused", "data:text/html,hi", false},
	{"a same-scheme relative URL is refused", "https:evil.example", false},
	{"an invalid escape is refused", "/%zz", false},
}

func TestIsLocalPath(t *testing.T) {
	t.Parallel()
	for _, tt := range pathCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := live.IsLocalPath(tt.path); got != tt.local {
				t.Fatalf("IsLocalPath(%q) = %v, want %v", tt.path, got, tt.local)
			}
			if tt.local {
				checkStaysOnSite(t, tt.path)
			}
		})
	}
}

// FuzzIsLocalPath checks that whatever IsLocalPath accepts keeps a browser
// on the site, by the rules a browser's URL parser follows.
func FuzzIsLocalPath(f *testing.F) {
	for _, tt := range pathCases {
		f.Add(tt.path)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if live.IsLocalPath(s) {
			checkStaysOnSite(t, s)
		}
	})
}

// checkStaysOnSite fails the test unless a browser on
// https://site.example/a/b that follows s stays on site.example.
func checkStaysOnSite(t *testing.T, s string) {
	t.Helper()
	n := browserNormal(s)
	u, err := url.Parse(n)
	if err != nil {
		t.Fatalf("IsLocalPath(%q): the browser reads %q, which does not parse: %v", s, n, err)
	}
	if u.Scheme != "" || u.Host != "" || u.Opaque != "" {
		t.Fatalf("IsLocalPath(%q): the browser reads %q: scheme %q, host %q", s, n, u.Scheme, u.Host)
	}
	base, _ := url.Parse("https://site.example/a/b")
	if got := base.ResolveReference(u); got.Host != "site.example" || got.Scheme != "https" {
		t.Fatalf("IsLocalPath(%q): a browser on %s goes to %s", s, base, got)
	}
}

// browserNormal is s as the WHATWG URL parser sees it in an http(s) page,
// before it looks for a scheme or a host: C0 controls and spaces trimmed
// from both ends, tabs and newlines removed everywhere, and "\" read as "/".
func browserNormal(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	return strings.ReplaceAll(s, "\\", "/")
}
