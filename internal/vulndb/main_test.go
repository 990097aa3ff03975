package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBuild(t *testing.T) {
	out := t.TempDir()
	modified := time.Date(2026, 11, 5, 23, 49, 57, 0, time.UTC)
	idx, err := build(filepath.Join("testdata", "osv"), out, modified)
	if err != nil {
		t.Fatal(err)
	}
	if n := idx.records(); n != 3 {
		t.Errorf("%d records, want 3", n)
	}

	read := func(name string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// Modules sorted by path, their records by ID, each record once per
	// module even if it lists the module twice.
	m := `"modified":"2026-11-05T23:49:57Z"`
	wantModules := `[{"path":"example.com/a","vulns":[{"id":"GO-2099-0001",` + m + `},{"id":"GO-2099-0003",` + m + `}]},` +
		`{"path":"example.com/b","vulns":[{"id":"GO-2099-0003",` + m + `}]},` +
		`{"path":"stdlib","vulns":[{"id":"GO-2099-0002",` + m + `}]}]` + "\n"
	if got := read("index/modules.json"); got != wantModules {
		t.Errorf("index/modules.json:\n%s\nwant:\n%s", got, wantModules)
	}
	if got, want := read("index/db.json"), "{"+m+"}\n"; got != want {
		t.Errorf("index/db.json: %s, want %s", got, want)
	}
	for _, id := range []string{"GO-2099-0001", "GO-2099-0002", "GO-2099-0003"} {
		src, err := os.ReadFile(filepath.Join("testdata", "osv", id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if got := read("ID/" + id + ".json"); got != string(src) {
			t.Errorf("ID/%s.json differs from the record", id)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(out, "ID")); len(entries) != 3 {
		t.Errorf("ID/ has %d files, want 3", len(entries))
	}
}

func TestBuildRejectsMisnamedRecord(t *testing.T) {
	dir := t.TempDir()
	rec := `{"id": "GO-2099-0002", "affected": [{"package": {"name": "stdlib", "ecosystem": "Go"}}]}`
	if err := os.WriteFile(filepath.Join(dir, "GO-2099-0001.json"), []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := build(dir, t.TempDir(), time.Now()); err == nil {
		t.Fatal("build took a record whose file is named after another ID")
	}
}

func TestReport(t *testing.T) {
	findings, err := os.ReadFile(filepath.Join("testdata", "findings.json"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		known      []string
		wantFailed bool
		want       []string // lines of the output, in order
	}{
		{
			name:       "none known",
			wantFailed: true,
			want: []string{
				"Called by the code: 2",
				"  GO-2099-0001: Panic in example.com/a",
				"    in example.com/a@v1.1.0, fixed in v1.2.0",
				"    e.g. x/x.go:3:4: x.Server.Run calls a.F",
				"  GO-2099-0002: Crash in net/http",
				"    in net/http@go1.26.8, fixed in go1.26.9",
				"    e.g. y/main.go:7:1: y.main calls y.fetch, which calls http.Client.Get",
				"Not called, in a package the code imports or a module it requires: 1",
				"  GO-2099-0003: Leak in example.com/a and example.com/b",
				"    in example.com/a@v1.1.0, fixed in v1.3.0",
			},
		},
		{
			name:       "one of two known",
			known:      []string{"GO-2099-0002"},
			wantFailed: true,
			want:       []string{"  GO-2099-0001: Panic in example.com/a", "  GO-2099-0002 (known): Crash in net/http"},
		},
		{
			name:  "all known, one no longer called",
			known: []string{"GO-2099-0001", "GO-2099-0002", "GO-2099-0003"},
			want:  []string{"  GO-2099-0001 (known): Panic in example.com/a", "GO-2099-0003 is known but no longer called: remove it from the list"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			failed, err := report(bytes.NewReader(findings), tt.known, &out)
			if err != nil {
				t.Fatal(err)
			}
			if failed != tt.wantFailed {
				t.Errorf("failed = %v, want %v", failed, tt.wantFailed)
			}
			got := out.String()
			rest := got
			for _, line := range tt.want {
				i := strings.Index(rest, line+"\n")
				if i < 0 {
					t.Fatalf("output lacks %q (in order):\n%s", line, got)
				}
				rest = rest[i+len(line):]
			}
		})
	}
}

func TestReportNeedsGovulncheckOutput(t *testing.T) {
	for _, in := range []string{"", "{}\n", "not json"} {
		if _, err := report(strings.NewReader(in), nil, &bytes.Buffer{}); err == nil {
			t.Errorf("report of %q succeeded", in)
		}
	}
}

func TestReadKnown(t *testing.T) {
	name := filepath.Join(t.TempDir(), "known.txt")
	list := "# comment\n\nGO-2099-0001  needs Go 1.26.9\n  GO-2099-0002\n#GO-2099-0003\n"
	if err := os.WriteFile(name, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	ids, err := readKnown(name)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(ids, " ") != "GO-2099-0001 GO-2099-0002" {
		t.Errorf("got %q", ids)
	}
}
