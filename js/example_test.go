package js_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/templive/templive/js"
)

// Serve the client next to your pages. The live runtime does this for you at
// /live/templive.js.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle("/assets/templive.js", js.Handler())

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/assets/templive.js", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("ETag") == js.ETag())
	// Output: 200 text/javascript; charset=utf-8 true
}
