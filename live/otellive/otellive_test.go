package otellive_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/a-h/templ"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.uber.org/goleak"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/live/otellive"
	"github.com/templive/templive/pubsub"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// counter is a view with an event, a message and a crash.
type counter struct{ n int }

func (c *counter) Mount(ctx context.Context, s *live.Socket, params url.Values) error {
	if s.Connected() {
		return s.Subscribe("counter")
	}
	return nil
}

func (c *counter) Render() templ.Component {
	return templ.ComponentFunc(func(ctx context.Context, w io.Writer) error {
		_, err := fmt.Fprintf(w, `<p id="count">%d</p><button id="inc" live-click="inc">+</button>`, c.n)
		return err
	})
}

func (c *counter) HandleEvent(ctx context.Context, s *live.Socket, ev live.Event) error {
	switch ev.Name {
	case "inc":
		c.n++
	case "crash":
		return errors.New("boom")
	}
	return nil
}

func (c *counter) HandleInfo(ctx context.Context, s *live.Socket, msg any) error {
	if n, ok := msg.(int); ok {
		c.n += n
	}
	return nil
}

// newServer returns a live server with the counter at /counter/{id},
// observed by tel.
func newServer(t testing.TB, tel *otellive.Telemetry) (*live.Server, *pubsub.PubSub) {
	t.Helper()
	ps, err := pubsub.New(pubsub.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	opts := live.Options{
		Secret: []byte(strings.Repeat("s", 32)), PubSub: ps, Logger: slog.New(slog.DiscardHandler),
		// Benchmarks click as fast as they can.
		EventsPerSecond: -1, Limits: channel.Limits{EventsPerSecond: -1},
	}
	if tel != nil {
		opts.Observer = tel
	}
	srv := live.NewServer(opts)
	srv.Page("/counter/{id}", func() live.View { return &counter{} })
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		ps.Close()
	})
	return srv, ps
}

// attrs returns a span's attributes as strings.
func attrs(kvs []attribute.KeyValue) map[attribute.Key]string {
	m := map[attribute.Key]string{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.String()
	}
	return m
}

func TestSpansNameEachOperationWithItsRouteAndEvent(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	tel, err := otellive.New(otellive.Options{TracerProvider: tp, MeterProvider: sdkmetric.NewMeterProvider()})
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newServer(t, tel)
	v := livetest.Mount(t, srv, "/counter/7")
	v.Click("#inc")
	v.Send(2)
	if err := v.TryEvent(live.EventClick, "crash", nil); err == nil {
		t.Fatal("the view did not crash")
	}

	spans := exp.GetSpans()
	byName := map[string][]tracetest.SpanStub{}
	for _, s := range spans {
		byName[s.Name] = append(byName[s.Name], s)
	}
	for name, n := range map[string]int{
		"templive.mount": 2, "templive.join": 1, "templive.render": 2,
		"templive.event": 2, "templive.info": 1,
	} {
		if got := len(byName[name]); got < n {
			t.Errorf("%d %s spans, want %d at least; spans: %v", got, name, n, names(spans))
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	join := byName["templive.join"][0]
	if a := attrs(join.Attributes); a[otellive.AttrRoute] != "/counter/{id}" || a[otellive.AttrViewID] != v.ID() {
		t.Errorf("join span attributes %v, want the route pattern and the view id", a)
	}
	// The join's Mount and render are its children; the GET's Mount is
	// not.
	var children int
	for _, s := range append(byName["templive.mount"], byName["templive.render"]...) {
		if s.Parent.SpanID() == join.SpanContext.SpanID() {
			children++
		}
	}
	if children != 2 {
		t.Errorf("%d of the mounts and renders are the join's children, want 2 (its Mount and first render)", children)
	}
	inc, crash := byName["templive.event"][0], byName["templive.event"][1]
	if a := attrs(inc.Attributes); a[otellive.AttrEvent] != "inc" || a[otellive.AttrRoute] != "/counter/{id}" {
		t.Errorf("event span attributes %v", a)
	}
	if inc.Status.Code == codes.Error || crash.Status.Code != codes.Error || len(crash.Events) == 0 {
		t.Errorf("event statuses %v and %v (%d events), want the crash's an error with its exception", inc.Status, crash.Status, len(crash.Events))
	}
	if a := attrs(byName["templive.info"][0].Attributes); a[otellive.AttrMessageType] != "int" {
		t.Errorf("info span attributes %v, want the message's type", a)
	}
	if a := attrs(byName["templive.render"][1].Attributes); a[otellive.AttrBytes] == "" || a[otellive.AttrBytes] == "0" {
		t.Errorf("render span attributes %v, want the patch's size", a)
	}
	for _, s := range spans {
		if !s.EndTime.After(s.StartTime) {
			t.Errorf("span %s: start %v, end %v", s.Name, s.StartTime, s.EndTime)
		}
	}
}

func names(spans tracetest.SpanStubs) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Name)
	}
	return out
}

// collect returns the metrics reader has, by name.
func collect(t *testing.T, reader *sdkmetric.ManualReader) map[string]metricdata.Aggregation {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	out := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			out[m.Name] = m.Data
		}
	}
	return out
}

// sum returns the value of a sum's data point whose attributes include
// want, or -1.
func sum(agg metricdata.Aggregation, want ...attribute.KeyValue) int64 {
	s, ok := agg.(metricdata.Sum[int64])
	if !ok {
		return -1
	}
	for _, dp := range s.DataPoints {
		if hasAll(dp.Attributes, want) {
			return dp.Value
		}
	}
	return -1
}

// count returns the count of a histogram's data point whose attributes
// include want, or 0.
func count(agg metricdata.Aggregation, want ...attribute.KeyValue) uint64 {
	h, ok := agg.(metricdata.Histogram[float64])
	if !ok {
		return 0
	}
	for _, dp := range h.DataPoints {
		if hasAll(dp.Attributes, want) {
			return dp.Count
		}
	}
	return 0
}

func hasAll(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		if v, ok := set.Value(kv.Key); !ok || v != kv.Value {
			return false
		}
	}
	return true
}

func TestMetricsCountViewsOperationsCrashesAndBytes(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	tel, err := otellive.New(otellive.Options{TracerProvider: sdktrace.NewTracerProvider(), MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	srv, ps := newServer(t, tel)
	if _, err := tel.ObservePubSub(ps); err != nil {
		t.Fatal(err)
	}
	if _, err := tel.ObserveServer(srv); err != nil {
		t.Fatal(err)
	}
	route := otellive.AttrRoute.String("/counter/{id}")
	a := livetest.Mount(t, srv, "/counter/1")
	b := livetest.Mount(t, srv, "/counter/2")
	a.Click("#inc")
	a.Click("#inc")
	if err := ps.Broadcast(t.Context(), "counter", 1); err != nil {
		t.Fatal(err)
	}
	a.Sync("")
	b.Sync("")

	m := collect(t, reader)
	if got := sum(m["templive.views.connected"], route); got != 2 {
		t.Errorf("views connected %d, want 2", got)
	}
	if got := count(m["templive.view.duration"], route, otellive.AttrOp.String("event"), otellive.AttrOutcome.String("ok")); got != 2 {
		t.Errorf("%d events measured, want 2", got)
	}
	if got := count(m["templive.view.duration"], route, otellive.AttrOp.String("info")); got != 2 {
		t.Errorf("%d messages measured, want 2", got)
	}
	if got := count(m["templive.render.phase.duration"], route, otellive.AttrPhase.String("diff")); got < 3 {
		t.Errorf("%d diffs measured, want 3 at least", got)
	}
	if got := sum(m["templive.render.sent"], route); got <= 0 {
		t.Errorf("%d bytes sent", got)
	}
	if got := sum(m["templive.pubsub.broadcasts"]); got < 1 {
		t.Errorf("%d broadcasts", got)
	}
	if got := sum(m["templive.pubsub.delivered"]); got < 2 {
		t.Errorf("%d deliveries, want 2 at least", got)
	}
	if got := sum(m["templive.view.mounts"]); got != 4 {
		t.Errorf("%d mounts, want 4", got)
	}

	if err := b.TryEvent(live.EventClick, "crash", nil); err == nil {
		t.Fatal("the view did not crash")
	}
	a.Close()
	deadline := time.Now().Add(livetest.Timeout)
	for {
		m = collect(t, reader)
		if sum(m["templive.views.connected"], route) == 0 && sum(m["templive.view.crashes"], route) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("views connected %d, crashes %d: want 0 and 1", sum(m["templive.views.connected"], route), sum(m["templive.view.crashes"], route))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := count(m["templive.view.duration"], route, otellive.AttrOp.String("event"), otellive.AttrOutcome.String("error")); got != 1 {
		t.Errorf("%d failed events measured, want 1", got)
	}
}
