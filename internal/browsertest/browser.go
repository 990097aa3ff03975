package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Install is the command that installs the browser the package drives.
const Install = "apt-get install -y chromium"

// flags are the browser's command-line switches, all of them: headless, and no
// background work (updates, sync, first-run UI) that would slow tests or reach
// the network.
var flags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-background-networking",
	"disable-component-update", "disable-sync", "no-first-run", "disable-quic",
}

// Browser is a running headless Chromium. It is safe for concurrent use: tests
// open their own tabs with [Browser.NewTab].
type Browser struct {
	ctx         context.Context // the browser's chromedp context; tabs derive from it
	cancel      context.CancelFunc
	cancelAlloc context.CancelFunc
	dir         string // the user-data directory, removed by close
}

var (
	mu       sync.Mutex // guards shared, users, mainMode
	shared   *Browser
	users    int  // tests that called New and have not finished
	mainMode bool // Main keeps the browser until the tests end
)

// Main runs the tests with one browser shared by all of them and closes it at the
// end. Call it from TestMain.
func Main(m *testing.M) {
	mu.Lock()
	mainMode = true
	mu.Unlock()
	code := m.Run()
	mu.Lock()
	b := shared
	shared = nil
	mu.Unlock()
	if b != nil {
		b.close()
	}
	os.Exit(code)
}

// New returns the shared browser, starting it if needed. It fails the test when
// Chromium is not installed or does not start.
func New(t testing.TB) *Browser {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if shared == nil {
		b, err := start()
		if err != nil {
			t.Fatal(err)
		}
		shared = b
	}
	users++
	b := shared
	t.Cleanup(func() {
		mu.Lock()
		users--
		last := users == 0 && !mainMode && shared == b
		if last {
			shared = nil
		}
		mu.Unlock()
		if last {
			b.close()
		}
	})
	return b
}

// start launches Chromium and waits until it answers.
func start() (*Browser, error) {
	path, err := exec.LookPath("chromium")
	if err != nil {
		return nil, fmt.Errorf("browsertest: chromium is not installed (run `%s`): %w", Install, err)
	}
	dir, err := os.MkdirTemp("", "browsertest-profile-")
	if err != nil {
		return nil, fmt.Errorf("browsertest: %w", err)
	}
	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(path), chromedp.UserDataDir(dir)}
	for _, f := range flags {
		opts = append(opts, chromedp.Flag(f, true))
	}
	// The browser outlives the test that started it (tests share it), so it
	// hangs off a context of its own; close cancels it.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	b := &Browser{ctx: ctx, cancel: cancel, cancelAlloc: cancelAlloc, dir: dir}
	// The first Run starts the browser and opens its first tab; both live as long
	// as the context it gets, so it gets no deadline.
	if err := chromedp.Do(ctx); err != nil {
		b.close()
		return nil, fmt.Errorf("browsertest: starting %s: %w", path, err)
	}
	return b, nil
}

// close stops the browser, waits for the process to exit and removes its profile.
func (b *Browser) close() {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	chromedp.Cancel(ctx) // a failure to close gracefully leaves cancelAlloc to kill it
	cancel()
	b.cancel()
	b.cancelAlloc()
	os.RemoveAll(b.dir)
}
