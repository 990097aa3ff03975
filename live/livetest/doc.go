// Package livetest tests live views in plain go test, with no browser, the
// way Phoenix's LiveViewTest does: mount a view, click, submit, change,
// send it messages, and read what it renders.
//
// It drives the real runtime over a real WebSocket with the frames the
// browser client sends, and applies every patch and stream operation to
// the tree it keeps as the client applies them (the diff package, and the
// protocol's own decoders and stream operations), so what a test sees is
// what a browser would show:
//
//	func TestCounter(t *testing.T) {
//		v := livetest.Mount(t, srv, "/counter")
//		v.Click("#inc")
//		if got := v.Text("#count"); got != "1" {
//			t.Fatalf("count = %s", got)
//		}
//	}
//
// A view nested with live.Nested — in the view's markup, or sticky in the
// layout — is a View of its own: View.Nested joins it over its parent's
// connection, as the browser does, and its clicks go to it. A sticky one
// keeps its state while its parent navigates (View.Navigate, as a
// live-navigate link in the layout).
//
// A test cuts a view's connection with [View.Drop] and reconnects with
// [View.Resume], which reports whether the server resumed the view or
// mounted it anew; [View.SendEvent] sends an event whose reply the drop
// may lose, and Resume sends it again as the browser does.
//
// Elements are found with CSS selectors (tag, #id, .class, [attr],
// [attr=value], descendant and child combinators). Failures print the
// view's HTML, indented. A frame from the server that does not decode
// fails the test, saying what is wrong with it.
package livetest
