package pretty_test

import (
	"testing"

	"github.com/templive/templive/render/pretty"
)

func TestHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		html string
		want string
	}{
		{"nested elements are indented by depth", `<div><p>a</p></div>`, "<div>\n  <p>\n    a\n  </p>\n</div>"},
		{"siblings are on lines of their own", `<b>a</b><i>b</i>`, "<b>\n  a\n</b>\n<i>\n  b\n</i>"},
		{"void elements do not indent what follows", `<p>a<br>b</p>`, "<p>\n  a\n  <br>\n  b\n</p>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := pretty.HTML([]byte(tt.html)); got != tt.want {
				t.Errorf("HTML(%q) =\n%s\nwant:\n%s", tt.html, got, tt.want)
			}
		})
	}
}
