// Command vulndb lets CI run govulncheck where vuln.go.dev cannot be reached.
// Its build command makes a local copy of the Go vulnerability database, in the
// layout govulncheck reads with -db file:///path, from the OSV records
// (data/osv/*.json) of a version of the module golang.org/x/vulndb, which the
// Go module proxy serves; its report command reads govulncheck's JSON output
// and fails on the vulnerabilities that the code calls:
//
//	go run ./internal/vulndb build -module golang.org/x/vulndb@VERSION -out DIR
//	govulncheck -db file://DIR -format json ./... >findings.json
//	go run ./internal/vulndb report -known FILE findings.json
//
// The database's layout (https://go.dev/security/vuln/database#api) is
// index/db.json, index/modules.json and ID/<id>.json; each ID file is the
// record as the module has it. The records in the module carry no
// modification time (the database's deployment sets it from the git history),
// so the index dates the database and every record with the time of the
// module's commit. The index gives no fixed versions: they are only a
// shortcut, and without them govulncheck reads every record of each module
// the code uses and matches the record's version ranges itself. build fails
// if the module has fewer than -min records, or none for the standard
// library, rather than let govulncheck pass on an empty database.
//
// report prints each vulnerability that the code calls, with one call path,
// and the others (in a package the code imports or a module it requires,
// not called) in brief. It exits 1 if the code calls one that FILE does not
// list. Each line of FILE starts with a vulnerability's ID; the rest of the
// line, and lines starting with #, are comments. It also names the IDs of
// FILE that it no longer finds.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

const usage = `usage:
	vulndb build -module golang.org/x/vulndb@VERSION -out DIR
	vulndb report [-known FILE] [FINDINGS.json]`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "build":
		fs := flag.NewFlagSet("build", flag.ExitOnError)
		mod := fs.String("module", "", "`module@version` of golang.org/x/vulndb to take the records from")
		out := fs.String("out", "", "empty `directory` to write the database to; created if missing")
		minRecords := fs.Int("min", 1000, "fewest records to accept")
		fs.Parse(args)
		if *mod == "" || *out == "" || fs.NArg() > 0 {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		err = run(*mod, *out, *minRecords)
	case "report":
		fs := flag.NewFlagSet("report", flag.ExitOnError)
		known := fs.String("known", "", "`file` of the IDs of called vulnerabilities not to fail on")
		fs.Parse(args)
		if fs.NArg() > 1 {
			fmt.Fprintln(os.Stderr, usage)
			os.Exit(2)
		}
		in := os.Stdin
		if fs.NArg() == 1 {
			if in, err = os.Open(fs.Arg(0)); err != nil {
				break
			}
			defer in.Close()
		}
		var knownIDs []string
		if *known != "" {
			if knownIDs, err = readKnown(*known); err != nil {
				break
			}
		}
		var failed bool
		if failed, err = report(in, knownIDs, os.Stdout); err == nil && failed {
			fmt.Fprintln(os.Stderr, "vulndb: the code calls vulnerable code (see above)")
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

func run(mod, out string, minRecords int) error {
	dir, modified, err := download(mod)
	if err != nil {
		return err
	}
	idx, err := build(filepath.Join(dir, "data", "osv"), out, modified)
	if err != nil {
		return err
	}
	n := idx.records()
	if n < minRecords {
		return fmt.Errorf("%s has %d OSV records in data/osv, fewer than %d", mod, n, minRecords)
	}
	if !slices.ContainsFunc(idx, func(m moduleMeta) bool { return m.Path == "stdlib" }) {
		return fmt.Errorf("%s has no record for the standard library", mod)
	}
	fmt.Printf("vulndb: %d records for %d modules, from %s (%s)\n",
		n, len(idx), mod, modified.Format(time.DateOnly))
	return nil
}

// download fetches mod (module@version) into the module cache, and returns
// its directory there and the time of its version.
func download(mod string) (dir string, modified time.Time, err error) {
	// From an empty directory, outside any module or workspace, so that
	// no go.mod or go.sum changes.
	tmp, err := os.MkdirTemp("", "vulndb")
	if err != nil {
		return "", time.Time{}, err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	var m struct{ Dir, Info, Error string }
	if jerr := json.Unmarshal(b, &m); jerr != nil {
		return "", time.Time{}, fmt.Errorf("go mod download %s: %v", mod, errors.Join(err, jerr))
	}
	if m.Error != "" {
		return "", time.Time{}, fmt.Errorf("go mod download %s: %s", mod, m.Error)
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("go mod download %s: %v", mod, err)
	}
	b, err = os.ReadFile(m.Info)
	if err != nil {
		return "", time.Time{}, err
	}
	var info struct{ Time time.Time }
	if err := json.Unmarshal(b, &info); err != nil {
		return "", time.Time{}, fmt.Errorf("%s: %v", m.Info, err)
	}
	return m.Dir, info.Time, nil
}

// The database's index: index/modules.json is an index, index/db.json a
// dbMeta.
type (
	index      []moduleMeta
	moduleMeta struct {
		Path  string       `json:"path"`
		Vulns []moduleVuln `json:"vulns"`
	}
	moduleVuln struct {
		ID       string    `json:"id"`
		Modified time.Time `json:"modified"`
	}
	dbMeta struct {
		Modified time.Time `json:"modified"`
	}
)

func (idx index) records() int {
	ids := map[string]bool{}
	for _, m := range idx {
		for _, v := range m.Vulns {
			ids[v.ID] = true
		}
	}
	return len(ids)
}

// build writes the database of the OSV records in osvDir (files <id>.json)
// to out, dated modified, and returns its index of modules.
func build(osvDir, out string, modified time.Time) (index, error) {
	names, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return nil, err
	}
	byModule := map[string][]moduleVuln{}
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var rec struct {
			ID       string
			Affected []struct {
				Package struct{ Name, Ecosystem string }
			}
		}
		if err := json.Unmarshal(b, &rec); err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		if rec.ID+".json" != filepath.Base(name) {
			return nil, fmt.Errorf("%s: the record's id is %q", name, rec.ID)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", rec.ID+".json"), b, 0o644); err != nil {
			return nil, err
		}
		var mods []string // a record may list a module more than once
		for _, a := range rec.Affected {
			if a.Package.Ecosystem != "Go" || a.Package.Name == "" {
				return nil, fmt.Errorf("%s: affects %q of ecosystem %q", name, a.Package.Name, a.Package.Ecosystem)
			}
			if !slices.Contains(mods, a.Package.Name) {
				mods = append(mods, a.Package.Name)
				byModule[a.Package.Name] = append(byModule[a.Package.Name], moduleVuln{ID: rec.ID, Modified: modified})
			}
		}
	}

	var idx index
	for path, vulns := range byModule {
		slices.SortFunc(vulns, func(a, b moduleVuln) int { return strings.Compare(a.ID, b.ID) })
		idx = append(idx, moduleMeta{Path: path, Vulns: vulns})
	}
	slices.SortFunc(idx, func(a, b moduleMeta) int { return strings.Compare(a.Path, b.Path) })
	if err := writeJSON(filepath.Join(out, "index", "modules.json"), idx); err != nil {
		return nil, err
	}
	if err := writeJSON(filepath.Join(out, "index", "db.json"), dbMeta{Modified: modified}); err != nil {
		return nil, err
	}
	return idx, nil
}

func writeJSON(name string, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := enc.Encode(v); err != nil {
		return err
	}
	return os.WriteFile(name, b.Bytes(), 0o644)
}

// readKnown returns the IDs listed in the file name.
func readKnown(name string) ([]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var ids []string
	for line := range strings.Lines(string(b)) {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") {
			ids = append(ids, f[0])
		}
	}
	return ids, nil
}

// govulncheck's JSON output (golang.org/x/vuln/internal/govulncheck): a
// stream of messages, of which report reads these.
type (
	message struct {
		Config *struct {
			GoVersion string `json:"go_version"`
		} `json:"config"`
		OSV     *struct{ ID, Summary string } `json:"osv"`
		Finding *finding                      `json:"finding"`
	}
	finding struct {
		OSV          string   `json:"osv"`
		FixedVersion string   `json:"fixed_version"`
		Trace        []*frame `json:"trace"` // from the vulnerable symbol to the code's
	}
	frame struct {
		Module, Version, Package, Function, Receiver string
		Position                                     *struct {
			Filename     string
			Line, Column int
		}
	}
)

// called reports whether f is at the level of symbols: the code calls the
// vulnerable function.
func (f *finding) called() bool { return len(f.Trace) > 0 && f.Trace[0].Function != "" }

// String is the frame's function, as package.Receiver.Function with the last
// element of the package's path.
func (fr *frame) String() string {
	s := fr.Package[strings.LastIndex(fr.Package, "/")+1:]
	if r := strings.TrimPrefix(fr.Receiver, "*"); r != "" {
		s += "." + r
	}
	if fr.Function != "" {
		s += "." + fr.Function
	}
	return s
}

// report reads govulncheck's JSON output from r, writes a summary to w and
// reports whether the code calls a vulnerability that is not known.
func report(r io.Reader, known []string, w io.Writer) (failed bool, err error) {
	summaries := map[string]string{}
	byID := map[string][]*finding{}
	sawConfig := false
	dec := json.NewDecoder(r)
	for {
		var m message
		if err := dec.Decode(&m); err == io.EOF {
			break
		} else if err != nil {
			return false, fmt.Errorf("reading govulncheck's output: %v", err)
		}
		switch {
		case m.Config != nil:
			sawConfig = true
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			byID[m.Finding.OSV] = append(byID[m.Finding.OSV], m.Finding)
		}
	}
	if !sawConfig {
		return false, errors.New("no govulncheck output")
	}

	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var calledIDs, others []string
	for _, id := range ids {
		if slices.ContainsFunc(byID[id], (*finding).called) {
			calledIDs = append(calledIDs, id)
		} else {
			others = append(others, id)
		}
	}

	fmt.Fprintf(w, "Called by the code: %d\n", len(calledIDs))
	for _, id := range calledIDs {
		// The shortest call path is likely the most direct.
		var f *finding
		for _, g := range byID[id] {
			if g.called() && (f == nil || len(g.Trace) < len(f.Trace)) {
				f = g
			}
		}
		mark := ""
		if slices.Contains(known, id) {
			mark = " (known)"
		} else {
			failed = true
		}
		fmt.Fprintf(w, "  %s%s: %s\n", id, mark, summaries[id])
		fmt.Fprintf(w, "    in %s, fixed in %s\n", version(f.Trace[0]), fixed(f))
		fmt.Fprintf(w, "    e.g. %s\n", path(f.Trace))
	}
	if len(others) > 0 {
		fmt.Fprintf(w, "Not called, in a package the code imports or a module it requires: %d\n", len(others))
		for _, id := range others {
			f := byID[id][0]
			fmt.Fprintf(w, "  %s: %s\n    in %s, fixed in %s\n", id, summaries[id], version(f.Trace[0]), fixed(f))
		}
	}
	for _, id := range known {
		if !slices.Contains(calledIDs, id) {
			fmt.Fprintf(w, "%s is known but no longer called: remove it from the list\n", id)
		}
	}
	return failed, nil
}

// version names where a frame's code comes from: package or module, at
// version.
func version(fr *frame) string {
	where := fr.Package
	if where == "" {
		where = fr.Module
	}
	v := fr.Version
	if fr.Module == "stdlib" {
		v = "go" + strings.TrimPrefix(v, "v")
	}
	return where + "@" + v
}

// fixed names the version that fixes f's vulnerability.
func fixed(f *finding) string {
	switch {
	case f.FixedVersion == "":
		return "no version yet"
	case f.Trace[0].Module == "stdlib":
		return "go" + strings.TrimPrefix(f.FixedVersion, "v")
	}
	return f.FixedVersion
}

// path tells how the code reaches the vulnerable function at trace[0], as
// govulncheck does.
func path(trace []*frame) string {
	entry := trace[len(trace)-1]
	s := entry.String()
	switch {
	case len(trace) == 1:
		s += " is vulnerable"
	case len(trace) == 2:
		s += " calls " + trace[0].String()
	case len(trace) == 3:
		s += " calls " + trace[1].String() + ", which calls " + trace[0].String()
	default:
		s += " calls " + trace[len(trace)-2].String() + ", which eventually calls " + trace[0].String()
	}
	if p := entry.Position; p != nil {
		s = fmt.Sprintf("%s:%d:%d: %s", p.Filename, p.Line, p.Column, s)
	}
	return s
}
