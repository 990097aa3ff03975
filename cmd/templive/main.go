// Command templive creates templive projects:
//
//	go run github.com/templive/templive/cmd/templive@latest new myapp
//
// writes a small app into the directory myapp — a go.mod with templ pinned
// as a tool, a main.go with a graceful shutdown, a layout, one live page
// with a component and a form, its test, a .gitignore and a README — and
// runs go mod tidy there. Then
//
//	cd myapp
//	go run . -dev    # http://127.0.0.1:8080
//	go test ./...
//
// Flags of new:
//
//	-module path        the module path (default: the directory's name)
//	-templive v|dir     the templive to require: a version (default: the
//	                    version this command was built from), or the
//	                    directory of a local checkout, which go.mod then
//	                    replaces templive with
//	-tidy=false         skip go mod tidy
//
// Run from a local checkout (go run ./cmd/templive new ../myapp), it
// defaults to replacing templive with that checkout.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usage is what templive prints for help and for a mistake in its
// arguments.
const usage = `usage: templive new [-module path] [-templive version|dir] [-tidy=false] dir

new writes a templive app into dir, which must not exist or be empty.
`

// run runs the command with args and returns its exit code: 0, 1 when it
// failed, 2 for a mistake in the arguments.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "new" {
		if len(args) > 0 && (args[0] == "help" || args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprint(stdout, usage)
			return 0
		}
		fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	var opts newOptions
	fs.StringVar(&opts.Module, "module", "", "the module path (default: the directory's name)")
	fs.StringVar(&opts.Templive, "templive", "", "the templive to require: a version, or the directory of a local checkout")
	fs.BoolVar(&opts.Tidy, "tidy", true, "run go mod tidy in the new project")
	// Flags may come before or after the directory.
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return 2
	}
	opts.Dir = rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "templive: unexpected arguments after %s: %v\n", opts.Dir, fs.Args())
		return 2
	}
	p, err := newProject(opts, stdout)
	if err != nil {
		fmt.Fprintf(stderr, "templive: %v\n", err)
		if errors.Is(err, errTidy) {
			fmt.Fprintf(stderr, "The files are written; run go mod tidy in %s once the problem is solved.\n", opts.Dir)
		}
		return 1
	}
	fmt.Fprintf(stdout, `
Created %s in %s. Next:

	cd %s
	go run . -dev    # then open http://127.0.0.1:8080
	go test ./...

README.md there shows the development loop, where saved files update the page.
`, p.Module, opts.Dir, opts.Dir)
	return 0
}
