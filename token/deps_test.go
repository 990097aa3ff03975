package token

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlyStandardLibrary keeps the package usable by applications
// that serve Channels without live views: importing it must not pull in
// the live runtime, or anything outside the standard library.
func TestImportsOnlyStandardLibrary(t *testing.T) {
	t.Parallel()
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range pkg.Imports {
		if first, _, _ := strings.Cut(path, "/"); strings.Contains(first, ".") {
			t.Errorf("token imports %s", path)
		}
	}
}
