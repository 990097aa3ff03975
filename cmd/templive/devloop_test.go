package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/templive/templive/internal/browsertest"
)

// TestTheDevelopmentLoopUpdatesThePageOverTheLiveSocket runs the one
// command the generated README gives for development — templ's watch mode,
// its proxy, and go run . -dev — on a new project, opens the page through
// the proxy in Chromium, and saves a .templ file, then a .go file. Each time
// the page must show the change without reloading (a mark left on window
// survives), with the name typed into its form, and the problem the view
// found with it, recovered.
func TestTheDevelopmentLoopUpdatesThePageOverTheLiveSocket(t *testing.T) {
	t.Parallel()
	dir := generate(t)
	app, proxy := freePort(t), freePort(t)
	var out syncBuffer
	watch := exec.Command("go", "tool", "templ", "generate", "--watch",
		"--proxy=http://127.0.0.1:"+app, "--proxyport="+proxy, "--open-browser=false",
		"--cmd=go run . -dev -addr 127.0.0.1:"+app)
	watch.Dir = dir
	watch.Env = append(os.Environ(), "GOWORK=off", "TEMPL_DEV_MODE_ROOT="+t.TempDir())
	watch.Stdout, watch.Stderr = &out, &out
	// Its own process group, to stop it as Ctrl-C would; templ stops the
	// app, which runs in a group of its own, itself.
	watch.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := watch.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stopGroup(t, watch)
		if !waitClosed(app, 15*time.Second) {
			t.Errorf("the app still listens on %s after templ stopped", app)
		}
		if t.Failed() {
			t.Logf("templ generate --watch:\n%s", out.String())
		}
	})

	url := "http://127.0.0.1:" + proxy + "/"
	waitPage(t, url, "/live/dev.js", 4*time.Minute)

	tab := browsertest.New(t).NewTab(t)
	tab.Timeout = 2 * time.Minute // a restart rebuilds the app
	tab.Navigate(url)
	tab.WaitClass("[data-live-root]", "live-connected")
	tab.Eval(`window.notReloaded = true`, nil)
	// A name the view finds too long: the problem it shows is server state
	// that a fresh Mount lacks, so it comes back only by form recovery.
	tab.Type("#name", longName)
	tab.WaitText("#name-problem", "at most 40 characters")
	tab.Eval(`document.activeElement.blur()`, nil)

	// A .templ file: templ serves the new text without a restart.
	edit(t, filepath.Join(dir, "home.templ"), "<h1>Welcome</h1>", "<h1>Welcome back</h1>")
	tab.WaitText("h1", "Welcome back")
	checkNotReloaded(t, tab)

	// A .go file: templ rebuilds and restarts the app.
	edit(t, filepath.Join(dir, "home.go"), "s.SetTitle(appName)", `s.SetTitle(appName + " (edited)")`)
	tab.Wait(`document.title == "myapp (edited)"`)
	tab.WaitClass("[data-live-root]", "live-connected")
	checkNotReloaded(t, tab)
}

// longName is what the test types into the form.
const longName = "Ada Lovelace, Countess of Lovelace, mathematician"

// checkNotReloaded fails the test if the page was loaded again since the
// test marked it, or lost the name typed into its form and what the view
// made of it.
func checkNotReloaded(t *testing.T, tab *browsertest.Tab) {
	t.Helper()
	var mark bool
	tab.Eval(`window.notReloaded === true`, &mark)
	if !mark {
		t.Fatal("the page was reloaded")
	}
	if got := tab.Value("#name"); got != longName {
		t.Fatalf("the name field holds %q, want %q, typed before", got, longName)
	}
	tab.WaitText("#name-problem", "at most 40 characters")
}

// edit replaces old with new in the file, as an editor's save does.
func edit(t *testing.T, file, old, new string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, []byte(old)) {
		t.Fatalf("%s does not hold %q", file, old)
	}
	if err := os.WriteFile(file, bytes.Replace(data, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a loopback port nothing listens on now.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr().(*net.TCPAddr).Port)
}

// waitPage polls url until it serves a page holding want.
func waitPage(t *testing.T, url, want string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	var last string
	for ctx.Err() == nil {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && strings.Contains(string(body), want) {
				return
			}
			last = fmt.Sprintf("%s: %s", resp.Status, body)
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not serve a page holding %q within %s; last: %.500s", url, want, timeout, last)
}

// stopGroup interrupts the process group cmd leads, as Ctrl-C in a
// terminal does, and waits for cmd; after 20 s it kills the group.
func stopGroup(t *testing.T, cmd *exec.Cmd) {
	pgid := cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Errorf("templ generate --watch did not stop within 20 s of SIGINT; killing it")
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// waitClosed reports whether nothing listens on the loopback port within
// timeout.
func waitClosed(port string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, time.Second)
		if err != nil {
			var op *net.OpError
			return errors.As(err, &op)
		}
		c.Close()
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer that a process's output and the test may
// use at once.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
