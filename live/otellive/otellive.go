package otellive

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/channel"
)

// ScopeName is the instrumentation scope of the tracer and the meter.
const ScopeName = "github.com/templive/templive/live/otellive"

// The attributes of spans and metrics.
const (
	// AttrOp is the operation: "join", "mount", "params", "event",
	// "info", "render"; for channels "join", "message".
	AttrOp = attribute.Key("templive.op")
	// AttrRoute is a view's route pattern, as registered with
	// [live.Server.Page].
	AttrRoute = attribute.Key("templive.route")
	// AttrOutcome is how an operation ended: "ok", "refused" (a join the
	// server refused) or "error" (a crash).
	AttrOutcome = attribute.Key("templive.outcome")
	// AttrPhase is a render's phase: "render", "parse", "diff", "encode".
	AttrPhase = attribute.Key("templive.phase")
	// AttrPattern is a channel's topic pattern, such as "room:*".
	AttrPattern = attribute.Key("templive.channel.pattern")
	// AttrTracker names a presence Tracker, as given to
	// [Telemetry.ObservePresence].
	AttrTracker = attribute.Key("templive.presence.tracker")

	// Spans only: each span is one operation, so an attribute there
	// costs no time series.

	// AttrViewID is a view's id.
	AttrViewID = attribute.Key("templive.view.id")
	// AttrEvent is the name of a client event, as the client sent it.
	AttrEvent = attribute.Key("templive.event")
	// AttrMessageType is the Go type of a PubSub message.
	AttrMessageType = attribute.Key("templive.message.type")
	// AttrConnected tells a Mount for a join from one for a page's GET.
	AttrConnected = attribute.Key("templive.connected")
	// AttrTopic is a channel's topic.
	AttrTopic = attribute.Key("templive.channel.topic")
	// AttrBytes is the size of what a render sends.
	AttrBytes = attribute.Key("templive.render.bytes")
)

// DurationBuckets are the bounds, in seconds, of the duration histograms:
// from 10 µs, an event on a small view, to 10 s, a Mount waiting on a
// slow database.
var DurationBuckets = []float64{
	0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// Options configures [New]. Unlike most instrumentation, a nil provider
// means none rather than the global one, so that an application that
// wants metrics only pays nothing for spans: even a tracer that records
// nothing allocates a context and options for each span it is asked for.
// Pass otel.GetTracerProvider() and otel.GetMeterProvider() to use the
// global providers.
type Options struct {
	// TracerProvider makes the spans; nil makes none.
	TracerProvider trace.TracerProvider
	// MeterProvider makes the instruments; nil records nothing.
	MeterProvider metric.MeterProvider
}

// Telemetry adapts the observers of templive to OpenTelemetry. It is a
// [live.Observer]; [Telemetry.Channels] is its [channel.Observer]; it
// reads the counters of a PubSub and of presence Trackers when the meter
// collects. It is safe for concurrent use.
type Telemetry struct {
	tracer trace.Tracer // nil: no spans
	meter  metric.Meter

	viewDuration    metric.Float64Histogram
	renderPhase     metric.Float64Histogram
	renderSent      metric.Int64Counter
	viewsConnected  metric.Int64UpDownCounter
	viewCrashes     metric.Int64Counter
	channelDuration metric.Float64Histogram
	channelsJoined  metric.Int64UpDownCounter

	routes   labels // by route: the view operations' attributes
	patterns labels // by pattern: the channel operations'
}

// New returns a Telemetry that makes its spans and instruments with the
// providers of opts.
func New(opts Options) (*Telemetry, error) {
	mp := opts.MeterProvider
	if mp == nil {
		mp = metricnoop.NewMeterProvider()
	}
	t := &Telemetry{meter: mp.Meter(ScopeName)}
	if opts.TracerProvider != nil {
		t.tracer = opts.TracerProvider.Tracer(ScopeName)
	}
	t.routes.make = viewLabels
	t.patterns.make = channelLabels
	m := t.meter
	buckets := metric.WithExplicitBucketBoundaries(DurationBuckets...)
	var errs [7]error
	t.viewDuration, errs[0] = m.Float64Histogram("templive.view.duration", metric.WithUnit("s"), buckets,
		metric.WithDescription("How long the operations of live views took: join, mount, params, event, info, render."))
	t.renderPhase, errs[1] = m.Float64Histogram("templive.render.phase.duration", metric.WithUnit("s"), buckets,
		metric.WithDescription("How long each phase of a live view's render took: render, parse, diff, encode."))
	t.renderSent, errs[2] = m.Int64Counter("templive.render.sent", metric.WithUnit("By"),
		metric.WithDescription("The bytes live views' renders sent: patches, and joins' HTML."))
	t.viewsConnected, errs[3] = m.Int64UpDownCounter("templive.views.connected", metric.WithUnit("{view}"),
		metric.WithDescription("The live views connected now."))
	t.viewCrashes, errs[4] = m.Int64Counter("templive.view.crashes", metric.WithUnit("{crash}"),
		metric.WithDescription("The live views that crashed after they were connected."))
	t.channelDuration, errs[5] = m.Float64Histogram("templive.channel.duration", metric.WithUnit("s"), buckets,
		metric.WithDescription("How long channels' joins and client messages took."))
	t.channelsJoined, errs[6] = m.Int64UpDownCounter("templive.channels.joined", metric.WithUnit("{channel}"),
		metric.WithDescription("The channels joined now."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("otellive: %w", err)
	}
	return t, nil
}

// Start starts op's span; [live.OpView] has none, and counts a view
// connected.
func (t *Telemetry) Start(ctx context.Context, op live.Op) context.Context {
	if op.Kind == live.OpView {
		t.viewsConnected.Add(ctx, 1, t.routes.get(op.Route).add...)
		return ctx
	}
	if t.tracer == nil {
		return ctx
	}
	attrs := make([]attribute.KeyValue, 0, 4)
	if op.Route != "" {
		attrs = append(attrs, AttrRoute.String(op.Route))
	}
	if op.ViewID != "" {
		attrs = append(attrs, AttrViewID.String(op.ViewID))
	}
	switch op.Kind {
	case live.OpEvent:
		attrs = append(attrs, AttrEvent.String(op.Event))
	case live.OpInfo:
		attrs = append(attrs, AttrMessageType.String(typeName(op.Msg)))
	case live.OpMount:
		attrs = append(attrs, AttrConnected.Bool(op.Connected))
	}
	ctx, _ = t.tracer.Start(ctx, spanNames[op.Kind], trace.WithTimestamp(op.Start), trace.WithAttributes(attrs...))
	return ctx
}

// spanNames are the names of the views' spans, by kind.
var spanNames = [...]string{
	live.OpJoin:   "templive.join",
	live.OpMount:  "templive.mount",
	live.OpParams: "templive.params",
	live.OpEvent:  "templive.event",
	live.OpInfo:   "templive.info",
	live.OpRender: "templive.render",
}

// End ends op's span and records its metrics.
func (t *Telemetry) End(ctx context.Context, op live.Op) {
	l := t.routes.get(op.Route)
	if op.Kind == live.OpView {
		if errors.Is(op.Err, live.ErrViewCrashed) {
			t.viewCrashes.Add(ctx, 1, l.add...)
		}
		t.viewsConnected.Add(ctx, -1, l.add...)
		return
	}
	outcome := outcomeOf(op.Err)
	t.viewDuration.Record(ctx, op.Duration.Seconds(), l.ops[op.Kind][outcome]...)
	if op.Kind == live.OpRender {
		r := op.Render
		for i, d := range [...]time.Duration{r.Render, r.Parse, r.Diff, r.Encode} {
			if d > 0 {
				t.renderPhase.Record(ctx, d.Seconds(), l.phases[i]...)
			}
		}
		t.renderSent.Add(ctx, int64(r.Bytes), l.add...)
	}
	if t.tracer == nil {
		return
	}
	span := trace.SpanFromContext(ctx)
	if span.IsRecording() {
		if op.Kind == live.OpJoin && op.Route != "" {
			span.SetAttributes(AttrRoute.String(op.Route), AttrViewID.String(op.ViewID))
		}
		if op.Kind == live.OpRender {
			span.SetAttributes(AttrBytes.Int(op.Render.Bytes))
		}
	}
	endSpan(span, op.Start.Add(op.Duration), op.Err, outcome)
}

// endSpan ends span at end, with the outcome.
func endSpan(span trace.Span, end time.Time, err error, outcome int) {
	if !span.IsRecording() {
		span.End()
		return
	}
	switch outcome {
	case refused:
		span.SetAttributes(AttrOutcome.String("refused"))
	case failed:
		span.RecordError(err)
		span.SetStatus(codes.Error, "crashed")
	}
	span.End(trace.WithTimestamp(end))
}

// The outcomes of an operation, as indexes.
const (
	ok = iota
	refused
	failed
	outcomes
)

var outcomeNames = [outcomes]string{"ok", "refused", "error"}

// outcomeOf classifies an operation's error.
func outcomeOf(err error) int {
	switch {
	case err == nil:
		return ok
	case isRefusal(err):
		return refused
	}
	return failed
}

// isRefusal reports whether err refused a join rather than crashing it.
func isRefusal(err error) bool {
	_, is := errors.AsType[*channel.JoinError](err)
	return is
}

// typeName names the Go type of a message.
func typeName(msg any) string {
	if msg == nil {
		return "nil"
	}
	return reflect.TypeOf(msg).String()
}

// Channels returns the [channel.Observer] to set in a channel socket's
// [channel.SocketOptions]: spans and metrics of its joins and messages.
func (t *Telemetry) Channels() channel.Observer { return channelObserver{t} }

type channelObserver struct{ t *Telemetry }

var channelSpanNames = [...]string{channel.OpJoin: "templive.channel.join", channel.OpMessage: "templive.channel.message"}

func (c channelObserver) Start(ctx context.Context, op channel.Op) context.Context {
	if op.Kind == channel.OpChannel {
		c.t.channelsJoined.Add(ctx, 1, c.t.patterns.get(op.Pattern).add...)
		return ctx
	}
	if c.t.tracer == nil {
		return ctx
	}
	attrs := []attribute.KeyValue{AttrPattern.String(op.Pattern), AttrTopic.String(op.Topic)}
	if op.Kind == channel.OpMessage {
		attrs = append(attrs, AttrEvent.String(op.Event))
	}
	ctx, _ = c.t.tracer.Start(ctx, channelSpanNames[op.Kind], trace.WithTimestamp(op.Start), trace.WithAttributes(attrs...))
	return ctx
}

func (c channelObserver) End(ctx context.Context, op channel.Op) {
	l := c.t.patterns.get(op.Pattern)
	if op.Kind == channel.OpChannel {
		c.t.channelsJoined.Add(ctx, -1, l.add...)
		return
	}
	outcome := outcomeOf(op.Err)
	c.t.channelDuration.Record(ctx, op.Duration.Seconds(), l.ops[op.Kind][outcome]...)
	if c.t.tracer != nil {
		endSpan(trace.SpanFromContext(ctx), op.Start.Add(op.Duration), op.Err, outcome)
	}
}

// opLabels are the options that label the measurements of one route or
// pattern, made once so that recording allocates none.
type opLabels struct {
	add    []metric.AddOption
	ops    [8][outcomes][]metric.RecordOption // by kind, then outcome
	phases [4][]metric.RecordOption           // render, parse, diff, encode
}

// labels makes the opLabels of each name once.
type labels struct {
	make func(name string) *opLabels
	mu   sync.RWMutex // guards m
	m    map[string]*opLabels
}

func (ls *labels) get(name string) *opLabels {
	ls.mu.RLock()
	l := ls.m[name]
	ls.mu.RUnlock()
	if l != nil {
		return l
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if l := ls.m[name]; l != nil {
		return l
	}
	if ls.m == nil {
		ls.m = map[string]*opLabels{}
	}
	l = ls.make(name)
	ls.m[name] = l
	return l
}

func viewLabels(route string) *opLabels {
	r := AttrRoute.String(route)
	l := &opLabels{add: []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(r))}}
	for k := live.OpJoin; k < live.OpView; k++ {
		for o := range outcomes {
			set := attribute.NewSet(r, AttrOp.String(k.String()), AttrOutcome.String(outcomeNames[o]))
			l.ops[k][o] = []metric.RecordOption{metric.WithAttributeSet(set)}
		}
	}
	for i, p := range [...]string{"render", "parse", "diff", "encode"} {
		l.phases[i] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(r, AttrPhase.String(p)))}
	}
	return l
}

func channelLabels(pattern string) *opLabels {
	p := AttrPattern.String(pattern)
	l := &opLabels{add: []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(p))}}
	for _, k := range []channel.OpKind{channel.OpJoin, channel.OpMessage} {
		for o := range outcomes {
			set := attribute.NewSet(p, AttrOp.String(k.String()), AttrOutcome.String(outcomeNames[o]))
			l.ops[k][o] = []metric.RecordOption{metric.WithAttributeSet(set)}
		}
	}
	return l
}
