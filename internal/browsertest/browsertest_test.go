package browsertest_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/templive/templive/internal/browsertest"
)

func TestMain(m *testing.M) { browsertest.Main(m) }

const page = `<!doctype html>
<title>t</title>
<p id="msg">waiting</p>
<input id="name">
<button id="go" onclick="document.getElementById('msg').textContent = 'hello ' + document.getElementById('name').value; document.body.classList.add('clicked')">go</button>
<script>console.log("page loaded")</script>`

func TestTabDrivesAPage(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, page)
	}))
	defer srv.Close()

	tab := browsertest.New(t).NewTab(t)
	tab.Navigate(srv.URL)
	tab.Type("#name", "gopher")
	tab.Click("#go")
	tab.WaitText("#msg", "hello gopher")
	tab.WaitClass("body", "clicked")
	tab.Wait("document.title == 't'")

	var sum int
	tab.Eval("Promise.resolve(40 + 2)", &sum)
	if sum != 42 {
		t.Errorf("Eval = %d, want 42", sum)
	}
	if got := tab.Text("#msg"); got != "hello gopher" {
		t.Errorf("Text = %q", got)
	}
	if got := tab.Value("#name"); got != "gopher" {
		t.Errorf("Value = %q", got)
	}
	tab.Eval("undefined", nil)
}

func TestTwoTabsShareTheBrowser(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t)
	if browsertest.New(t) != b {
		t.Error("New started a second browser")
	}
	one, two := b.NewTab(t), b.NewTab(t)
	one.Navigate("data:text/html,<p id=x>one</p>")
	two.Navigate("data:text/html,<p id=x>two</p>")
	one.WaitText("#x", "one")
	two.WaitText("#x", "two")
}

// TestPageErrorsFailTheTest runs a test whose page throws, in a fake testing.TB,
// and checks that it failed.
func TestPageErrorsFailTheTest(t *testing.T) {
	t.Parallel()
	b := browsertest.New(t)
	ft := &fakeT{TB: t}
	// Registered before NewTab, so it runs after the tab has saved its failure.
	t.Cleanup(func() {
		dir, ok := strings.CutPrefix(ft.lastLog, "browsertest: screenshot and HTML of the failed page in ")
		if !ok {
			t.Fatalf("no screenshot logged; last log %q", ft.lastLog)
		}
		defer os.RemoveAll(dir)
		for _, f := range []string{"screenshot.png", "page.html"} {
			if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
				t.Errorf("%s: %v", f, err)
			}
		}
	})
	tab := b.NewTab(ft)
	tab.Navigate("data:text/html,<script>setTimeout(() => { throw new Error('boom') })</script>")
	tab.Wait("true")
	// The exception arrives asynchronously: wait for it.
	for range 100 {
		if len(tab.Exceptions()) > 0 {
			break
		}
		tab.Eval("new Promise(r => setTimeout(r, 20))", nil)
	}
	if ex := tab.Exceptions(); len(ex) != 1 {
		t.Fatalf("exceptions = %q, want one", ex)
	}
	if !ft.Failed() {
		t.Error("an uncaught page error did not fail the test")
	}
}

// fakeT records failures instead of failing the real test.
type fakeT struct {
	testing.TB
	mu      sync.Mutex // guards failed, lastLog
	failed  bool
	lastLog string
}

func (f *fakeT) Logf(format string, args ...any) {
	f.mu.Lock()
	f.lastLog = fmt.Sprintf(format, args...)
	f.mu.Unlock()
	f.TB.Logf(format, args...)
}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	f.failed = true
	f.mu.Unlock()
	f.TB.Logf("(expected) "+format, args...)
}

func (f *fakeT) Failed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}
