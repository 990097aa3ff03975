package dashboard

import (
	"cmp"
	"math"
	"runtime"
	"runtime/metrics"
	"slices"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// A Sample is the node's figures at one moment; rates are per second
// since the sample before.
type Sample struct {
	At         time.Time
	Uptime     time.Duration
	Goroutines int
	HeapBytes  uint64 // live and not yet swept heap objects
	TotalBytes uint64 // all memory the Go runtime mapped
	GCCycles   uint64
	GCPauseP99 time.Duration // of the stop-the-world pauses since the start
	CPU        float64       // percent of one core, since the sample before
	cpuTime    time.Duration // user and system CPU time of the process

	Views        int
	Events       int64
	EventsPerSec float64
	Mounts       int64
	AsyncTasks   int
	Uploads      int
}

// metricNames are the runtime metrics a sample reads.
var metricNames = []string{
	"/sched/goroutines:goroutines",
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/total:bytes",
	"/gc/cycles/total:gc-cycles",
	"/sched/pauses/total/gc:seconds",
}

// take samples the node; prev is the sample before, or the zero Sample.
func (d *dash) take(prev Sample) Sample {
	ms := make([]metrics.Sample, len(metricNames))
	for i, n := range metricNames {
		ms[i].Name = n
	}
	metrics.Read(ms)
	now := time.Now()
	st := d.srv.Stats()
	s := Sample{
		At:         now,
		Uptime:     now.Sub(d.started),
		Goroutines: int(uint64Of(ms[0])),
		HeapBytes:  uint64Of(ms[1]),
		TotalBytes: uint64Of(ms[2]),
		GCCycles:   uint64Of(ms[3]),
		cpuTime:    processCPU(),
		Views:      st.Views,
		Events:     st.Events,
		Mounts:     st.Mounts,
		AsyncTasks: st.AsyncTasks,
		Uploads:    st.Uploads,
	}
	if ms[4].Value.Kind() == metrics.KindFloat64Histogram {
		s.GCPauseP99 = time.Duration(quantile(ms[4].Value.Float64Histogram(), 0.99) * float64(time.Second))
	}
	if !prev.At.IsZero() {
		if dt := now.Sub(prev.At).Seconds(); dt > 0 {
			s.EventsPerSec = float64(s.Events-prev.Events) / dt
			s.CPU = 100 * (s.cpuTime - prev.cpuTime).Seconds() / dt
		}
	}
	return s
}

func uint64Of(s metrics.Sample) uint64 {
	if s.Value.Kind() != metrics.KindUint64 {
		return 0 // a metric this Go does not have
	}
	return s.Value.Uint64()
}

// quantile returns the upper bound of the bucket holding quantile q of h,
// or its lower bound if the upper is infinite (the last bucket's).
func quantile(h *metrics.Float64Histogram, q float64) float64 {
	var total uint64
	for _, c := range h.Counts {
		total += c
	}
	if total == 0 {
		return 0
	}
	want := uint64(q * float64(total))
	var seen uint64
	for i, c := range h.Counts {
		seen += c
		if seen > want {
			return bound(h.Buckets[i+1], h.Buckets[i])
		}
	}
	return bound(h.Buckets[len(h.Buckets)-1], h.Buckets[len(h.Buckets)-2])
}

// bound returns upper unless it is infinite, else lower, or 0 if both are.
func bound(upper, lower float64) float64 {
	switch {
	case !math.IsInf(upper, 0):
		return upper
	case !math.IsInf(lower, 0):
		return lower
	}
	return 0
}

// pubsubTopic is a row of the topics table.
type pubsubTopic = pubsub.TopicInfo

// topics returns the n topics with the most subscribers on this node.
func topics(s *live.Socket, n int) []pubsubTopic {
	all := s.PubSub().Topics()
	slices.SortStableFunc(all, func(a, b pubsubTopic) int { return cmp.Compare(b.Subscribers, a.Subscribers) })
	return all[:min(n, len(all))]
}

// cores is how many CPUs the node may use, for the CPU chart's scale.
var cores = runtime.GOMAXPROCS(0)

// presenceTopics returns the n topics of trackers with the most presences.
func presenceTopics(trackers []Presence, n int) []presence.TopicInfo {
	var all []presence.TopicInfo
	for _, tr := range trackers {
		all = append(all, tr.Topics()...)
	}
	slices.SortStableFunc(all, func(a, b presence.TopicInfo) int { return cmp.Compare(b.Keys, a.Keys) })
	return all[:min(n, len(all))]
}
