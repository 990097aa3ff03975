package browsertest

import (
	"strings"
	"testing"
)

// TestMissingChromiumFails checks the message a machine without the browser gets.
// It does not run in parallel: it changes PATH for the whole process.
func TestMissingChromiumFails(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	b, err := start()
	if err == nil {
		b.close()
		t.Fatal("start found a browser on an empty PATH")
	}
	if !strings.Contains(err.Error(), "apt-get install -y chromium") {
		t.Errorf("error %q does not say how to install the browser", err)
	}
}
