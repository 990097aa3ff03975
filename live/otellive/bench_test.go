package otellive_test

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
	"github.com/templive/templive/live/livetest"
	"github.com/templive/templive/live/otellive"
)

// setups are the ways of observing a server that the benchmarks compare:
// metrics only (no TracerProvider), and metrics with every span sampled
// and exported (to an exporter that drops them, through the batching
// processor a production setup uses).
var setups = []struct {
	name   string
	tracer func(testing.TB) trace.TracerProvider
}{
	{"metrics", func(testing.TB) trace.TracerProvider { return nil }},
	{"metrics+spans", func(tb testing.TB) trace.TracerProvider {
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		tb.Cleanup(func() { tp.Shutdown(context.Background()) })
		return tp
	}},
}

// newTelemetry returns a Telemetry with an SDK meter provider, whose
// reader is never collected (collecting is the scraper's cost, not the
// event's), and tp.
func newTelemetry(tb testing.TB, tp trace.TracerProvider) *otellive.Telemetry {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	tb.Cleanup(func() { mp.Shutdown(context.Background()) })
	tel, err := otellive.New(otellive.Options{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		tb.Fatal(err)
	}
	return tel
}

// observeEvent tells o of what one event of a connected view is: the
// event, then its render.
func observeEvent(o live.Observer) {
	ctx := context.Background()
	start := time.Now()
	ev := live.Op{Kind: live.OpEvent, Route: "/counter/{id}", ViewID: "v1", Connected: true, Event: "inc", Start: start}
	ectx := o.Start(ctx, ev)
	ev.Duration = 3 * time.Microsecond
	o.End(ectx, ev)
	r := live.Op{Kind: live.OpRender, Route: "/counter/{id}", ViewID: "v1", Connected: true, Start: start}
	rctx := o.Start(ctx, r)
	r.Duration = 9 * time.Microsecond
	r.Render = live.RenderPhases{Render: 2 * time.Microsecond, Parse: 3 * time.Microsecond, Diff: 2 * time.Microsecond, Encode: time.Microsecond, Bytes: 40}
	o.End(rctx, r)
}

// processCPU returns the CPU time the process has used, user and system.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation the process used since
// start, every goroutine's (the client's, the server's, the garbage
// collector's): on a machine shared with other work, wall time per
// operation measures the neighbours as much as the code.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
}

// BenchmarkObserverPerEvent measures what the OpenTelemetry adapter adds
// to one event: its Start and End for the event and for its render.
func BenchmarkObserverPerEvent(b *testing.B) {
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) {
			tel := newTelemetry(b, s.tracer(b))
			b.ReportAllocs()
			cpu := processCPU()
			for b.Loop() {
				observeEvent(tel)
			}
			reportCPU(b, cpu)
		})
	}
}

// BenchmarkEventRoundTrip measures a click on a connected view, from the
// client's send to the patch applied, with no observer and with each
// setup: the difference is what observing costs an event end to end.
func BenchmarkEventRoundTrip(b *testing.B) {
	run := func(b *testing.B, tel *otellive.Telemetry) {
		srv, _ := newServer(b, tel)
		v := livetest.Mount(b, srv, "/counter/1")
		b.ReportAllocs()
		cpu := processCPU()
		for b.Loop() {
			v.Event(live.EventClick, "inc", nil)
		}
		reportCPU(b, cpu)
	}
	b.Run("none", func(b *testing.B) { run(b, nil) })
	for _, s := range setups {
		b.Run(s.name, func(b *testing.B) { run(b, newTelemetry(b, s.tracer(b))) })
	}
}

// TestObservingAnEventWithMetricsOnlyAllocatesNothing holds the cost of
// the metrics: the attribute sets are made once per route, so recording
// an event and its render allocates nothing. Spans allocate (the SDK's
// span and its attributes); the test reports how much.
func TestObservingAnEventWithMetricsOnlyAllocatesNothing(t *testing.T) {
	for _, s := range setups {
		tel := newTelemetry(t, s.tracer(t))
		observeEvent(tel) // the route's attribute sets
		allocs := testing.AllocsPerRun(200, func() { observeEvent(tel) })
		t.Logf("%s: %v allocations per event and its render", s.name, allocs)
		if s.name == "metrics" && allocs != 0 {
			t.Errorf("metrics only: %v allocations per event, want 0", allocs)
		}
	}
}

func TestChannelSpansAndMetrics(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { tp.Shutdown(context.Background()) })
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { mp.Shutdown(context.Background()) })
	tel, err := otellive.New(otellive.Options{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		t.Fatal(err)
	}
	o := tel.Channels()
	ctx := context.Background()
	op := channel.Op{Kind: channel.OpJoin, Pattern: "room:*", Topic: "room:1", Start: time.Now()}
	jctx := o.Start(ctx, op)
	op.Duration = time.Millisecond
	o.End(jctx, op)
	life := channel.Op{Kind: channel.OpChannel, Pattern: "room:*", Topic: "room:1", Start: time.Now()}
	lctx := o.Start(ctx, life)
	msg := channel.Op{Kind: channel.OpMessage, Pattern: "room:*", Topic: "room:1", Event: "new_msg", Start: time.Now()}
	mctx := o.Start(ctx, msg)
	msg.Duration, msg.Err = time.Millisecond, &channel.CrashError{Op: "HandleIn", Err: errors.New("boom")}
	o.End(mctx, msg)

	spans := exp.GetSpans()
	if len(spans) != 2 || spans[0].Name != "templive.channel.join" || spans[1].Name != "templive.channel.message" {
		t.Fatalf("spans %v, want a join and a message", names(spans))
	}
	if a := attrs(spans[1].Attributes); a[otellive.AttrPattern] != "room:*" || a[otellive.AttrTopic] != "room:1" || a[otellive.AttrEvent] != "new_msg" {
		t.Errorf("message span attributes %v", a)
	}
	pattern := otellive.AttrPattern.String("room:*")
	m := collect(t, reader)
	if got := sum(m["templive.channels.joined"], pattern); got != 1 {
		t.Errorf("channels joined %d, want 1", got)
	}
	if got := count(m["templive.channel.duration"], pattern, otellive.AttrOp.String("message"), otellive.AttrOutcome.String("error")); got != 1 {
		t.Errorf("%d failed messages measured, want 1", got)
	}
	life.Duration = time.Second
	o.End(lctx, life)
	if got := sum(collect(t, reader)["templive.channels.joined"], pattern); got != 0 {
		t.Errorf("channels joined %d after the channel ended, want 0", got)
	}
}
