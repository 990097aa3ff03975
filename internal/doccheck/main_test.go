package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestCheck runs doccheck over testdata/links, whose doc comments mark each
// link that points to nothing with "(broken)" right after it, and checks that
// it reports those links and no other: none in the links that resolve, in the
// bracketed text that is no link, or in testdata/links/other.
func TestCheck(t *testing.T) {
	file := filepath.Join("testdata", "links", "links.go")
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	marked := regexp.MustCompile(`\[([^][]+)\] \(broken\)`)
	for i, line := range strings.Split(string(src), "\n") {
		for _, m := range marked.FindAllStringSubmatch(line, -1) {
			want = append(want, fmt.Sprintf("%s:%d: [%s]", file, i+1, m[1]))
		}
	}
	if len(want) < 10 {
		t.Fatalf("found only %d marked links in %s", len(want), file)
	}

	broken, err := check("", []string{"./testdata/links", "./testdata/links/other"})
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, b := range broken {
		rel, err := filepath.Rel(wd, b.pos.Filename)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%s:%d: [%s]", rel, b.pos.Line, b.text))
	}
	if !slices.Equal(got, want) {
		t.Errorf("reported:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}

	// A report names the file relative to the directory, the column and why.
	if len(broken) > 0 {
		line := broken[0].String(wd)
		wantLine := file + ":16:33: doc link [Missing]: no Missing in this package"
		if line != wantLine {
			t.Errorf("first report %q, want %q", line, wantLine)
		}
		wantKey := "testdata/links/links.go [Missing]"
		if key := broken[0].key(wd); key != wantKey {
			t.Errorf("first report's key %q, want %q", key, wantKey)
		}
	}
}

// TestCheckFailsToLoad checks that a package that does not load is an error,
// not a clean result.
func TestCheckFailsToLoad(t *testing.T) {
	if _, err := check("", []string{"./testdata/nosuchpackage"}); err == nil {
		t.Fatal("check of a missing package succeeded")
	}
}
