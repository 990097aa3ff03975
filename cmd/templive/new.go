package main

import (
	"bytes"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

// skeleton is the project new writes. Files ending in .tmpl are
// text/template templates filled with a project; the others are copied
// as they are, such as the .templ files and the *_templ.go files templ
// compiled from them (TestTheSkeletonsTemplFilesAreCompiled keeps those
// current). The directory's leading underscore hides it from the go
// command and from templ generate, which must not build it as part of
// this module.
//
//go:embed _project
var skeleton embed.FS

// skeletonRoot is skeleton's top directory.
const skeletonRoot = "_project"

// Versions the new project's go.mod pins: templive's own, kept in step with
// its go.mod by TestTheProjectPinsWhatTempliveUses.
const (
	goVersion    = "1.26.0"
	templVersion = "v0.3.1100"
)

// newOptions are the arguments of new.
type newOptions struct {
	Dir      string // where to write the project
	Module   string // its module path; "" means the directory's name
	Templive string // a version or a checkout's directory; "" means the default (see resolveTemplive)
	Tidy     bool   // run go mod tidy when the files are written
}

// project is what the skeleton's templates are filled with.
type project struct {
	Module          string // example.com/myapp
	Name            string // myapp: the module path's last element
	GoVersion       string
	TemplVersion    string
	TempliveVersion string // what go.mod requires
	TempliveReplace string // the checkout go.mod replaces templive with, or ""
	DevSecret       string // the -dev secret, hex
}

// errTidy marks a failure of go mod tidy after the files were written.
var errTidy = errors.New("go mod tidy failed")

// modulePath matches the module paths new accepts: what a go.mod's module
// line may hold without quoting, elements separated by single slashes.
var modulePath = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._~-]*(/[A-Za-z0-9._~-]+)*$`)

// newProject writes a project into opts.Dir and, if opts.Tidy, runs go mod
// tidy there, reporting progress on out.
func newProject(opts newOptions, out io.Writer) (*project, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := checkEmpty(dir); err != nil {
		return nil, err
	}
	mod := opts.Module
	if mod == "" {
		mod = filepath.Base(dir)
	}
	if !modulePath.MatchString(mod) || strings.HasSuffix(mod, ".") {
		return nil, fmt.Errorf("%q is not a module path; name one with -module example.com/myapp", mod)
	}
	tl, err := resolveTemplive(opts.Templive)
	if err != nil {
		return nil, err
	}
	var secret [32]byte
	rand.Read(secret[:])
	p := &project{
		Module:          mod,
		Name:            path.Base(mod),
		GoVersion:       goVersion,
		TemplVersion:    templVersion,
		TempliveVersion: tl.version,
		TempliveReplace: tl.replace,
		DevSecret:       hex.EncodeToString(secret[:]),
	}
	if err := p.write(dir); err != nil {
		return nil, err
	}
	if tl.replace != "" {
		// The checkout's go.sum holds every module the project needs, so
		// tidy verifies none of them anew (and works offline).
		if sum, err := os.ReadFile(filepath.Join(tl.replace, "go.sum")); err == nil {
			if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
				return nil, err
			}
		}
	}
	if opts.Tidy {
		fmt.Fprintf(out, "Running go mod tidy in %s\n", opts.Dir)
		cmd := exec.Command("go", "mod", "tidy")
		cmd.Dir = dir
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Run(); err != nil {
			return p, fmt.Errorf("%w: %v", errTidy, err)
		}
	}
	return p, nil
}

// checkEmpty refuses to write into a directory that holds anything.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	return nil
}

// write writes the skeleton, filled with p, into dir.
func (p *project) write(dir string) error {
	return fs.WalkDir(skeleton, skeletonRoot, func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := skeleton.ReadFile(name)
		if err != nil {
			return err
		}
		rel := strings.TrimPrefix(name, skeletonRoot+"/")
		if base, ok := strings.CutSuffix(rel, ".tmpl"); ok {
			rel = base
			if data, err = p.fill(name, data); err != nil {
				return err
			}
		}
		if rel == "gitignore" {
			// Named without its dot in the skeleton, where it would apply
			// to this repository.
			rel = ".gitignore"
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
}

// fill executes the template text of the skeleton file name with p.
func (p *project) fill(name string, text []byte) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, p); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
