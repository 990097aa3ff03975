package otellive_test

import (
	"context"
	"log"
	"net/http"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/templive/templive/live"
	"github.com/templive/templive/live/otellive"
	"github.com/templive/templive/pubsub"
)

// A live server observed by OpenTelemetry: spans go to the tracer
// provider's exporters, metrics to the meter provider's readers (for
// Prometheus, go.opentelemetry.io/otel/exporters/prometheus).
func Example() {
	tp := sdktrace.NewTracerProvider() // with sdktrace.WithBatcher(an exporter)
	defer tp.Shutdown(context.Background())
	mp := sdkmetric.NewMeterProvider() // with sdkmetric.WithReader(a reader)
	defer mp.Shutdown(context.Background())

	tel, err := otellive.New(otellive.Options{TracerProvider: tp, MeterProvider: mp})
	if err != nil {
		log.Fatal(err)
	}
	ps, err := pubsub.New(pubsub.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer ps.Close()
	if _, err := tel.ObservePubSub(ps); err != nil {
		log.Fatal(err)
	}
	lv := live.NewServer(live.Options{Secret: []byte(strings.Repeat("s", 32)), PubSub: ps, Observer: tel})
	defer lv.Shutdown(context.Background())
	lv.Page("/counter/{id}", func() live.View { return &counter{} })
	mux := http.NewServeMux()
	mux.Handle("/", lv)
	// Output:
}
