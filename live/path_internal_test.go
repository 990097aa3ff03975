package live

import (
	"net/url"
	"testing"
)

// A target can be a local path as written and not once resolved against
// the page's URL: dot segments fold away and leave "//host", which the
// browser, told it as a path, reads as another site.
func TestAPatchTargetMustStayLocalOnceResolved(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://site.example/rooms/1")
	tests := []struct {
		name, to string
		want     string // the RequestURI sent to the browser; "" if refused
	}{
		{"a path resolves to itself", "/rooms/2?tab=a", "/rooms/2?tab=a"},
		{"dot segments resolve away", "/rooms/./x/../3", "/rooms/3"},
		{"a dot segment before a double slash is refused", "/.//evil.example", ""},
		{"two dots before a double slash fold into one path", "/..//evil.example", "/evil.example"},
		{"a scheme-relative URL is refused", "//evil.example", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, ok := resolveLocal(base, tt.to)
			switch {
			case tt.want == "" && ok:
				t.Fatalf("%q resolves to %q, which the browser would follow", tt.to, u.RequestURI())
			case tt.want != "" && (!ok || u.RequestURI() != tt.want):
				t.Fatalf("%q: %v, %v; want %q", tt.to, u, ok, tt.want)
			}
		})
	}
}
