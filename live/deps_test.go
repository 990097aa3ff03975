package live_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestProductionPackagesLinkOnlyWhatTheyNeed holds what an app's binary
// links when it imports the runtime: the module is one, so the test tools,
// the browser driver, the database of the demo and the adapters' clients
// are all in go.mod, and one stray import would put them in every binary.
// A new entry here is a decision, not a side effect.
func TestProductionPackagesLinkOnlyWhatTheyNeed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		pkg     string
		modules []string // outside this module and the standard library
	}{
		{"pubsub links the standard library only", "pubsub", nil},
		{"presence links the standard library only", "presence", nil},
		{"render links templ and x/net, not the pretty-printer", "render", []string{"github.com/a-h/templ", "golang.org/x/net"}},
		{"diff links what render does", "diff", []string{"github.com/a-h/templ", "golang.org/x/net"}},
		{"channel links the WebSocket library only", "live/channel", []string{"github.com/gorilla/websocket"}},
		{"live links templ, x/net, the WebSocket library and uuid", "live", []string{
			"github.com/a-h/templ", "github.com/google/uuid", "github.com/gorilla/websocket", "golang.org/x/net",
		}},
		// OpenTelemetry's API is the otel module (attribute, codes) and its
		// trace and metric modules; xxhash hashes attribute sets. The SDK
		// and the exporters are the application's choice.
		{"otellive links what live does and the OpenTelemetry API, not its SDK nor an exporter", "live/otellive", []string{
			"github.com/a-h/templ", "github.com/cespare/xxhash/v2", "github.com/google/uuid", "github.com/gorilla/websocket",
			"go.opentelemetry.io/otel", "go.opentelemetry.io/otel/metric", "go.opentelemetry.io/otel/trace", "golang.org/x/net",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pkg := "github.com/templive/templive/" + tt.pkg
			out, err := exec.Command("go", "list", "-deps", "-f", "{{with .Module}}{{.Path}}{{end}}", pkg).Output()
			if err != nil {
				t.Fatalf("go list -deps %s: %v", pkg, err)
			}
			var got []string
			for m := range strings.FieldsSeq(string(out)) {
				if m != "github.com/templive/templive" && !slices.Contains(got, m) {
					got = append(got, m)
				}
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.modules) {
				t.Errorf("%s links the modules\n\t%s\nwant\n\t%s", tt.pkg, strings.Join(got, "\n\t"), strings.Join(tt.modules, "\n\t"))
			}
		})
	}
}
