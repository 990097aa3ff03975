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
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))

	// The browser revalidates with the ETag it was sent: the bundle has not
	// changed, so it gets a 304 and keeps its copy.
	req := httptest.NewRequest(http.MethodGet, "/assets/templive.js", nil)
	req.Header.Set("If-None-Match", rec.Header().Get("ETag"))
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	fmt.Println(rec.Code)
	// Output:
	// 200 text/javascript; charset=utf-8
	// 304
}
