// Package browsertest drives a headless Chromium from Go tests, for tests that
// need a real browser: the templive client against a real server, DOM patches
// against the browser's own parser.
//
// # Usage
//
//	func TestMain(m *testing.M) { browsertest.Main(m) }
//
//	func TestCounter(t *testing.T) {
//		tab := browsertest.New(t).NewTab(t)
//		tab.Navigate(srv.URL + "/counter")
//		tab.WaitClass("[data-live-root]", "live-connected")
//		tab.Click("#inc")
//		tab.WaitText("#count", "1")
//	}
//
// Every method of [Tab] fails the test (t.Fatal) when its action fails or times
// out, so it must be called from the test's goroutine. An uncaught exception or
// unhandled promise rejection in the page fails the test; console output is
// logged. When a test fails, a screenshot and the page's HTML are saved to a
// temporary directory whose path is logged.
//
// # The browser
//
// The browser is Debian's chromium package, found on $PATH as "chromium" (CI
// installs it; a missing browser fails the test with the command that installs
// it, and no browser is ever downloaded). It runs headless with a fresh
// user-data directory. With [Main], all tests of a test binary share one browser,
// closed when the tests end; without it, a browser lives as long as some test that
// called [New] is running.
package browsertest
