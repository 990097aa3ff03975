package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/otellive"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// telemetry is the demo's metrics: OpenTelemetry instruments that
// templive's observers feed (package otellive), read by OpenTelemetry's
// Prometheus exporter, and served at /metrics with the Go runtime's and
// the process's own. One instrumentation, OpenTelemetry's, so that an app
// that ships OTLP to a collector instead changes the reader, not the
// instruments; client_golang is only the exporter's registry and handler.
//
// The demo makes no spans: an app that exports them sets
// otellive.Options.TracerProvider, an OpenTelemetry SDK's with an
// exporter.
type telemetry struct {
	*otellive.Telemetry
	mp      *sdkmetric.MeterProvider
	handler http.Handler
	regs    []metric.Registration
}

// newTelemetry builds the meter provider and its Prometheus exporter.
func newTelemetry() (*telemetry, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, err
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, err
	}
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, err
	}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp))
	tel, err := otellive.New(otellive.Options{MeterProvider: mp})
	if err != nil {
		return nil, errors.Join(err, mp.Shutdown(context.Background()))
	}
	return &telemetry{Telemetry: tel, mp: mp, handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}, nil
}

// observe reads the counters of the PubSub, the presence Tracker and the
// live server whenever /metrics is scraped.
func (t *telemetry) observe(ps *pubsub.PubSub, tracker *presence.Tracker[RoomMeta], lv *live.Server) error {
	r1, err1 := t.ObservePubSub(ps)
	r2, err2 := t.ObservePresence("rooms", tracker)
	r3, err3 := t.ObserveServer(lv)
	for _, r := range []metric.Registration{r1, r2, r3} {
		if r != nil {
			t.regs = append(t.regs, r)
		}
	}
	return errors.Join(err1, err2, err3)
}

// close stops reading the services' counters and shuts the meter
// provider down.
func (t *telemetry) close() error {
	var errs []error
	for _, r := range t.regs {
		errs = append(errs, r.Unregister())
	}
	return errors.Join(append(errs, t.mp.Shutdown(context.Background()))...)
}
