package dashboard

import (
	"fmt"
	"strconv"
	"time"

	"github.com/templive/templive/live"
)

// The size of a chart's SVG viewBox.
const (
	chartW = 240
	chartH = 60
)

// A chart is one series of the overview's history, drawn as an SVG
// polyline: each refresh changes its points attribute, which reaches the
// browser as an ordinary patch.
type chart struct {
	Title  string
	Now    string // the latest value, formatted
	Max    string // the top of the scale, formatted
	Points string
}

// newChart draws value over history, scaled to the larger of floor and
// the highest value shown; format formats values for the labels.
func newChart(title string, history []Sample, value func(Sample) float64, floor float64, format func(float64) string) chart {
	values := make([]float64, len(history))
	for i, s := range history {
		values[i] = value(s)
	}
	return lineChart(title, values, History, floor, format)
}

// lineChart draws values in a chart of slots points, the last at the
// right edge, scaled to the larger of floor and the highest value.
func lineChart(title string, values []float64, slots int, floor float64, format func(float64) string) chart {
	top := floor
	for _, v := range values {
		top = max(top, v)
	}
	var pts []byte
	step := float64(chartW) / float64(slots-1)
	first := slots - len(values) // a short history is drawn at the right
	for i, v := range values {
		if i > 0 {
			pts = append(pts, ' ')
		}
		x := float64(first+i) * step
		y := chartH - v/top*chartH
		pts = strconv.AppendFloat(pts, x, 'f', 1, 64)
		pts = append(pts, ',')
		pts = strconv.AppendFloat(pts, y, 'f', 1, 64)
	}
	c := chart{Title: title, Max: format(top), Points: string(pts)}
	if len(values) > 0 {
		c.Now = format(values[len(values)-1])
	}
	return c
}

// charts returns the overview's charts.
func (o *Overview) charts() []chart {
	h := o.History
	return []chart{
		newChart("Views", h, func(s Sample) float64 { return float64(s.Views) }, 10, count),
		newChart("Events / s", h, func(s Sample) float64 { return s.EventsPerSec }, 10, count),
		newChart("CPU %", h, func(s Sample) float64 { return s.CPU }, float64(100*cores), percent),
		newChart("Heap", h, func(s Sample) float64 { return float64(s.HeapBytes) }, 1<<20, bytes),
		newChart("Goroutines", h, func(s Sample) float64 { return float64(s.Goroutines) }, 10, count),
	}
}

func count(v float64) string   { return strconv.FormatFloat(v, 'f', 0, 64) }
func percent(v float64) string { return strconv.FormatFloat(v, 'f', 0, 64) + " %" }

// bytes formats a size in binary units.
func bytes(v float64) string {
	const unit = 1024
	if v < unit {
		return fmt.Sprintf("%.0f B", v)
	}
	exp, div := 0, float64(unit)
	for n := v / unit; n >= unit && exp < 4; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", v/div, "KMGTP"[exp])
}

// ago formats the time since t, coarsely, for the views table.
func ago(now, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return now.Sub(t).Truncate(time.Second).String()
}

// short formats a duration with three significant digits.
func short(d time.Duration) string {
	switch {
	case d == 0:
		return "—"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

// A histogram is a [live.Latency] drawn as SVG bars, one per bucket: each
// refresh changes the bars' heights, which reach the browser as ordinary
// patches.
type histogram struct {
	Max  string // the count of the highest bar
	Bars []histogramBar
}

// histogramBar is a bucket's bar; Label names the bucket and its count.
type histogramBar struct {
	X, Y, W, H string
	Label      string
}

// newHistogram draws l, scaled to its highest bucket.
func newHistogram(l live.Latency) histogram {
	top := int64(1)
	for _, c := range l.Counts {
		top = max(top, c)
	}
	w := float64(chartW) / float64(live.LatencyBuckets)
	h := histogram{Max: strconv.FormatInt(top, 10), Bars: make([]histogramBar, live.LatencyBuckets)}
	for i, c := range l.Counts {
		bh := float64(c) / float64(top) * chartH
		h.Bars[i] = histogramBar{
			X:     strconv.FormatFloat(float64(i)*w+0.5, 'f', 1, 64),
			Y:     strconv.FormatFloat(chartH-bh, 'f', 1, 64),
			W:     strconv.FormatFloat(w-1, 'f', 1, 64),
			H:     strconv.FormatFloat(bh, 'f', 1, 64),
			Label: bucketName(i) + ": " + strconv.FormatInt(c, 10),
		}
	}
	return h
}

// latencyQuantile formats quantile q of l as the bucket that holds it:
// its upper bound, or "> 1s" past the last bound, where the events took
// longer than any bound says.
func latencyQuantile(l live.Latency, q float64) string {
	i := l.QuantileBucket(q)
	if i < 0 {
		return "—"
	}
	return bucketName(i)
}

// bucketName names bucket i of a [live.Latency].
func bucketName(i int) string {
	if i < len(live.LatencyBounds) {
		return "≤ " + live.LatencyBounds[i].String()
	}
	return "> " + live.LatencyBounds[len(live.LatencyBounds)-1].String()
}
