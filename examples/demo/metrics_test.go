package main

import (
	"net/http"
	"net/url"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the demo's /metrics with Prometheus's own text parser.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	if ct := expfmt.ResponseFormat(resp.Header); ct.FormatType() != expfmt.TypeTextPlain {
		t.Fatalf("GET /metrics answered %q, want Prometheus's text format", resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	families, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the metrics do not parse: %v", err)
	}
	return families
}

// family returns the metric of family name whose labels include want.
func family(t *testing.T, families map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	t.Helper()
	f, ok := families[name]
	if !ok {
		t.Fatalf("no %s in the metrics", name)
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		return m
	}
	t.Fatalf("no %s with labels %v", name, want)
	return nil
}

func TestMetricsAreServedForPrometheus(t *testing.T) {
	t.Parallel()
	a := newTestApp(t)
	c := signedIn(t, a, "ada")
	base, _ := url.Parse(c.URL("/"))
	counter := c.Live("/counter")
	counter.Click("#inc")
	counter.Click("#inc10")
	feed := c.Live("/feed")
	feed.Submit("#new-post", url.Values{"body": {"measured"}})
	counter.Sync("")
	feed.Sync("")

	m := scrape(t, base.Scheme+"://"+base.Host)
	route := map[string]string{"templive_route": "/counter"}
	if v := family(t, m, "templive_views_connected", route).GetGauge().GetValue(); v != 1 {
		t.Errorf("views connected on /counter: %v, want 1", v)
	}
	ev := family(t, m, "templive_view_duration_seconds", map[string]string{"templive_route": "/counter", "templive_op": "event", "templive_outcome": "ok"})
	if h := ev.GetHistogram(); h.GetSampleCount() != 2 || h.GetSampleSum() <= 0 || len(h.GetBucket()) == 0 {
		t.Errorf("the counter's events: %d measured, %v s in all, %d buckets; want 2", h.GetSampleCount(), h.GetSampleSum(), len(h.GetBucket()))
	}
	diff := family(t, m, "templive_render_phase_duration_seconds", map[string]string{"templive_route": "/counter", "templive_phase": "diff"})
	if n := diff.GetHistogram().GetSampleCount(); n < 2 {
		t.Errorf("%d diffs of the counter measured, want 2 at least", n)
	}
	if v := family(t, m, "templive_render_sent_bytes_total", route).GetCounter().GetValue(); v <= 0 {
		t.Errorf("bytes sent by the counter's renders: %v", v)
	}
	if v := family(t, m, "templive_pubsub_broadcasts_total", nil).GetCounter().GetValue(); v < 1 {
		t.Errorf("PubSub broadcasts: %v, want the post's at least", v)
	}
	if v := family(t, m, "templive_view_mounts_total", nil).GetCounter().GetValue(); v < 4 {
		t.Errorf("mounts: %v, want each page's two at least", v)
	}
	family(t, m, "templive_presence_topics", map[string]string{"templive_presence_tracker": "rooms"})
	if v := family(t, m, "go_goroutines", nil).GetGauge().GetValue(); v <= 0 {
		t.Errorf("go_goroutines %v", v)
	}

	counter.Close()
	feed.Close()
}
