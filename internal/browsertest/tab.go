package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds each action of a Tab unless Tab.Timeout says otherwise.
const DefaultTimeout = 10 * time.Second

// pollInterval is how often Wait* look at the page.
const pollInterval = 20 * time.Millisecond

// Tab is a browser tab owned by one test. Its methods fail the test on error and
// must be called from the test's goroutine (use [Tab.For] in subtests). It
// closes when the test that opened it ends.
type Tab struct {
	// Timeout bounds each action; zero means DefaultTimeout.
	Timeout time.Duration

	t testing.TB // where this handle reports failures
	*tabState
}

// tabState is what the handles of one tab share.
type tabState struct {
	owner  testing.TB // the test that opened the tab; gets console output
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // the console reader

	mu         sync.Mutex // guards done, exceptions
	done       bool       // the test is ending; owner must not be used from the reader
	exceptions []string
}

// For returns a handle on the same tab that reports failures to t, a subtest of
// the test that opened the tab.
func (tab *Tab) For(t testing.TB) *Tab {
	c := *tab
	c.t = t
	t.Cleanup(func() {
		if t.Failed() {
			tab.saveFailure(t)
		}
	})
	return &c
}

// NewTab opens a tab. Console messages are logged to t; an uncaught exception in
// the page fails t.
func (b *Browser) NewTab(t testing.TB) *Tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	tab := &Tab{t: t, tabState: &tabState{owner: t, ctx: ctx, cancel: cancel}}
	// The first Run opens the tab, which lives as long as the context it gets.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	messages := chromedp.Console(ctx)
	tab.wg.Go(func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			tab.console(m)
		}
	})
	t.Cleanup(tab.close)
	return tab
}

// console records one console message, from the reader goroutine.
func (tab *tabState) console(m chromedp.ConsoleMessage) {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	if tab.done {
		return
	}
	where := ""
	if m.URL != "" {
		where = fmt.Sprintf(" (%s:%d)", m.URL, m.Line+1)
	}
	if m.IsException() {
		tab.exceptions = append(tab.exceptions, m.Text)
		tab.owner.Errorf("browsertest: uncaught page error: %s%s", m.Text, where)
		return
	}
	tab.owner.Logf("browser %s%s", m, where)
}

// Exceptions returns the uncaught page errors seen so far (each already failed
// the test).
func (tab *tabState) Exceptions() []string {
	tab.mu.Lock()
	defer tab.mu.Unlock()
	return append([]string(nil), tab.exceptions...)
}

func (tab *tabState) close() {
	if tab.owner.Failed() {
		tab.saveFailure(tab.owner)
	}
	tab.mu.Lock()
	tab.done = true
	tab.mu.Unlock()
	tab.cancel()
	tab.wg.Wait()
}

// saveFailure writes a screenshot and the page's HTML to a temporary directory
// that outlives the test, and logs its path.
func (tab *tabState) saveFailure(t testing.TB) {
	ctx, cancel := context.WithTimeout(tab.ctx, 5*time.Second)
	defer cancel()
	dir, err := os.MkdirTemp("", "browsertest-failure-")
	if err != nil {
		t.Logf("browsertest: no failure screenshot: %v", err)
		return
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(dir, "screenshot.png"), png, 0o644)
	}
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML")); err == nil {
		os.WriteFile(filepath.Join(dir, "page.html"), []byte(html), 0o644)
	}
	t.Logf("browsertest: screenshot and HTML of the failed page in %s", dir)
}

// Context returns the tab's chromedp context, for actions this package does not
// wrap: chromedp.Do(tab.Context(), ...).
func (tab *tabState) Context() context.Context { return tab.ctx }

func (tab *Tab) timeout() time.Duration {
	if tab.Timeout > 0 {
		return tab.Timeout
	}
	return DefaultTimeout
}

// do runs actions with the tab's timeout and fails the test on error.
func (tab *Tab) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	tab.t.Helper()
	ctx, cancel := context.WithTimeout(tab.ctx, tab.timeout())
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tab.t.Fatalf("browsertest: %s: %v", what, err)
	}
}

// Navigate loads url and waits for its load event.
func (tab *Tab) Navigate(url string) {
	tab.t.Helper()
	tab.do("navigate to "+url, chromedp.Navigate(url))
}

// Click clicks the first element matching the CSS selector, once it is visible.
func (tab *Tab) Click(sel string) {
	tab.t.Helper()
	tab.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// Type focuses the first element matching the CSS selector and types text into
// it, key by key ("\n" is Enter; see chromedp/kb for other keys).
func (tab *Tab) Type(sel, text string) {
	tab.t.Helper()
	tab.do(fmt.Sprintf("type %q into %s", text, sel), chromedp.SendKeys(chromedp.CSS(sel), text))
}

// Focus focuses the first element matching the CSS selector.
func (tab *Tab) Focus(sel string) {
	tab.t.Helper()
	tab.do("focus "+sel, chromedp.Focus(chromedp.CSS(sel)))
}

// Eval evaluates a JavaScript expression, awaiting it if it is a promise, and
// decodes its JSON value into out (which may be nil to ignore it).
func (tab *Tab) Eval(js string, out any) {
	tab.t.Helper()
	raw, err := tab.eval(js)
	if err != nil {
		tab.t.Fatalf("browsertest: eval %s: %v", short(js), err)
	}
	if out != nil {
		if len(raw) == 0 {
			raw = []byte("null")
		}
		if err := json.Unmarshal(raw, out); err != nil {
			tab.t.Fatalf("browsertest: eval %s: decoding %s: %v", short(js), raw, err)
		}
	}
}

func (tab *Tab) eval(js string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(tab.ctx, tab.timeout())
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
}

// Wait polls a JavaScript expression until it is truthy.
func (tab *Tab) Wait(js string) {
	tab.t.Helper()
	tab.waitFor("until "+short(js), fmt.Sprintf("(%s) ? true : false", js), func(raw []byte) bool {
		return string(raw) == "true"
	})
}

// WaitText waits until the textContent of the first element matching the CSS
// selector contains text.
func (tab *Tab) WaitText(sel, text string) {
	tab.t.Helper()
	js := fmt.Sprintf("(e => e ? e.textContent : null)(document.querySelector(%s))", quote(sel))
	tab.waitFor(fmt.Sprintf("%s to contain %q", sel, text), js, func(raw []byte) bool {
		var s *string
		return json.Unmarshal(raw, &s) == nil && s != nil && strings.Contains(*s, text)
	})
}

// WaitClass waits until the first element matching the CSS selector has the
// class.
func (tab *Tab) WaitClass(sel, class string) {
	tab.t.Helper()
	js := fmt.Sprintf("(e => e ? e.className : null)(document.querySelector(%s))", quote(sel))
	tab.waitFor(fmt.Sprintf("%s to have class %q", sel, class), js, func(raw []byte) bool {
		var s *string
		return json.Unmarshal(raw, &s) == nil && s != nil && strings.Contains(" "+*s+" ", " "+class+" ")
	})
}

// Text returns the textContent of the first element matching the CSS selector.
func (tab *Tab) Text(sel string) string {
	tab.t.Helper()
	var s *string
	tab.Eval(fmt.Sprintf("(e => e ? e.textContent : null)(document.querySelector(%s))", quote(sel)), &s)
	if s == nil {
		tab.t.Fatalf("browsertest: no element matches %s", sel)
	}
	return *s
}

// Value returns the value property of the first form field matching the CSS
// selector: what the user sees in it, which may differ from its value attribute.
func (tab *Tab) Value(sel string) string {
	tab.t.Helper()
	var s *string
	tab.Eval(fmt.Sprintf("(e => e ? String(e.value) : null)(document.querySelector(%s))", quote(sel)), &s)
	if s == nil {
		tab.t.Fatalf("browsertest: no element matches %s", sel)
	}
	return *s
}

// waitFor evaluates js until ok accepts its JSON value, failing the test with the
// last value seen when the timeout passes.
func (tab *Tab) waitFor(what, js string, ok func(raw []byte) bool) {
	tab.t.Helper()
	deadline := time.Now().Add(tab.timeout())
	for {
		raw, err := tab.eval(js)
		if err == nil && ok(raw) {
			return
		}
		if time.Now().After(deadline) {
			if err != nil {
				tab.t.Fatalf("browsertest: waiting for %s: %v", what, err)
			}
			tab.t.Fatalf("browsertest: waiting for %s: timed out after %v; last value %s", what, tab.timeout(), raw)
		}
		select {
		case <-tab.ctx.Done():
			tab.t.Fatalf("browsertest: waiting for %s: %v", what, tab.ctx.Err())
		case <-time.After(pollInterval):
		}
	}
}

// quote makes s a JavaScript string literal.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func short(js string) string {
	if len(js) > 80 {
		return js[:77] + "..."
	}
	return js
}
