package livetest_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"runtime"
	"strings"
	"testing"

	"github.com/a-h/templ"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/livetest"
)

// deep renders markup nested deeper than an HTML parser builds.
type deep struct{}

func (v *deep) Mount(ctx context.Context, s *live.Socket, params url.Values) error { return nil }

func (v *deep) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := io.WriteString(w, strings.Repeat("<div>", 600)+strings.Repeat("</div>", 600))
		return err
	})
}

// fatalRecorder is a testing.TB whose Fatalf records the failure and ends
// the goroutine that called it, as testing's does; the rest goes to the
// test that runs it.
type fatalRecorder struct {
	testing.TB
	fatal string
}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestAPageThatDoesNotParseFailsTheTestSayingSo(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.Page("/deep", func() live.View { return &deep{} })
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		livetest.NewClient(rec, srv, nil).Get("/deep")
	}()
	<-done
	if !strings.Contains(rec.fatal, "does not parse") {
		t.Errorf("Get of a page no parser builds: the test failed with %q, want it to say the page does not parse", rec.fatal)
	}
}
