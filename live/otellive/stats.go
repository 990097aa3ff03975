package otellive

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/templive/templive/live"
	"github.com/templive/templive/presence"
	"github.com/templive/templive/pubsub"
)

// AttrNode is a PubSub's node name ([pubsub.PubSub.Node]).
const AttrNode = attribute.Key("templive.pubsub.node")

// ObservePubSub reports the counters of ps ([pubsub.Stats]) each time the
// meter collects: templive.pubsub.broadcasts, .received, .delivered,
// .dropped, .overflows, .publish.errors and .publish.dropped, labelled
// with the node's name. Unregister the registration when ps is closed.
func (t *Telemetry) ObservePubSub(ps *pubsub.PubSub) (metric.Registration, error) {
	type counter struct {
		name, desc string
		read       func(pubsub.Stats) uint64
		inst       metric.Int64ObservableCounter
	}
	counters := []*counter{
		{"templive.pubsub.broadcasts", "Messages broadcast from this node.", func(s pubsub.Stats) uint64 { return s.Broadcasts }, nil},
		{"templive.pubsub.received", "Messages from other nodes delivered on this node.", func(s pubsub.Stats) uint64 { return s.Received }, nil},
		{"templive.pubsub.delivered", "Messages put into local subscribers' mailboxes.", func(s pubsub.Stats) uint64 { return s.Delivered }, nil},
		{"templive.pubsub.dropped", "Deliveries dropped by full or lagged mailboxes.", func(s pubsub.Stats) uint64 { return s.Dropped }, nil},
		{"templive.pubsub.overflows", "Times a mailbox overflowed.", func(s pubsub.Stats) uint64 { return s.Overflows }, nil},
		{"templive.pubsub.publish.errors", "Broadcasts the adapter failed to publish to other nodes.", func(s pubsub.Stats) uint64 { return s.PublishErrors }, nil},
		{"templive.pubsub.publish.dropped", "Broadcasts dropped unpublished.", func(s pubsub.Stats) uint64 { return s.PublishDropped }, nil},
	}
	insts := make([]metric.Observable, len(counters))
	for i, c := range counters {
		inst, err := t.meter.Int64ObservableCounter(c.name, metric.WithUnit("{message}"), metric.WithDescription(c.desc))
		if err != nil {
			return nil, fmt.Errorf("otellive: %w", err)
		}
		c.inst, insts[i] = inst, inst
	}
	node := metric.WithAttributeSet(attribute.NewSet(AttrNode.String(ps.Node())))
	reg, err := t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := ps.Stats()
		for _, c := range counters {
			o.ObserveInt64(c.inst, int64(c.read(st)), node)
		}
		return nil
	}, insts...)
	if err != nil {
		return nil, fmt.Errorf("otellive: %w", err)
	}
	return reg, nil
}

// ObservePresence reports the counters of a presence Tracker
// ([presence.Tracker.Stats]) each time the meter collects:
// templive.presence.joins, templive.presence.leaves and
// templive.presence.topics, labelled with name. Unregister the
// registration when the Tracker is closed.
func (t *Telemetry) ObservePresence(name string, tr interface{ Stats() presence.Stats }) (metric.Registration, error) {
	var (
		joins, leaves metric.Int64ObservableCounter
		topics        metric.Int64ObservableGauge
		errs          [3]error
	)
	joins, errs[0] = t.meter.Int64ObservableCounter("templive.presence.joins", metric.WithUnit("{presence}"),
		metric.WithDescription("Presences that joined a topic, on any node, as this node's Tracker reported them."))
	leaves, errs[1] = t.meter.Int64ObservableCounter("templive.presence.leaves", metric.WithUnit("{presence}"),
		metric.WithDescription("Presences that left a topic, on any node, as this node's Tracker reported them."))
	topics, errs[2] = t.meter.Int64ObservableGauge("templive.presence.topics", metric.WithUnit("{topic}"),
		metric.WithDescription("Topics with presences now."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("otellive: %w", err)
	}
	attrs := metric.WithAttributeSet(attribute.NewSet(AttrTracker.String(name)))
	reg, err := t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := tr.Stats()
		o.ObserveInt64(joins, int64(st.Joins), attrs)
		o.ObserveInt64(leaves, int64(st.Leaves), attrs)
		o.ObserveInt64(topics, int64(st.Topics), attrs)
		return nil
	}, joins, leaves, topics)
	if err != nil {
		return nil, fmt.Errorf("otellive: %w", err)
	}
	return reg, nil
}

// ObserveServer reports the counters of a live Server ([live.Stats]) each
// time the meter collects: templive.view.mounts, templive.view.adoptions,
// templive.views.parked, templive.views.memory (the estimate
// Options.MaxViewBytes caps), templive.async.tasks and templive.uploads.
// Unregister the registration when the Server is shut down.
func (t *Telemetry) ObserveServer(srv *live.Server) (metric.Registration, error) {
	var (
		mounts, adoptions              metric.Int64ObservableCounter
		parked, memory, tasks, uploads metric.Int64ObservableGauge
		errs                           [6]error
	)
	mounts, errs[0] = t.meter.Int64ObservableCounter("templive.view.mounts", metric.WithUnit("{mount}"),
		metric.WithDescription("Views' Mounts run, for a page's GET or a join."))
	adoptions, errs[1] = t.meter.Int64ObservableCounter("templive.view.adoptions", metric.WithUnit("{view}"),
		metric.WithDescription("Joins that adopted the view their GET mounted."))
	parked, errs[2] = t.meter.Int64ObservableGauge("templive.views.parked", metric.WithUnit("{view}"),
		metric.WithDescription("Views mounted for a GET that wait for their join."))
	memory, errs[3] = t.meter.Int64ObservableGauge("templive.views.memory", metric.WithUnit("By"),
		metric.WithDescription("The memory connected views hold, as estimated for Options.MaxViewBytes."))
	tasks, errs[4] = t.meter.Int64ObservableGauge("templive.async.tasks", metric.WithUnit("{task}"),
		metric.WithDescription("Async tasks running now."))
	uploads, errs[5] = t.meter.Int64ObservableGauge("templive.uploads", metric.WithUnit("{upload}"),
		metric.WithDescription("Upload entries the server holds bytes for."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("otellive: %w", err)
	}
	reg, err := t.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := srv.Stats()
		o.ObserveInt64(mounts, st.Mounts)
		o.ObserveInt64(adoptions, st.Adoptions)
		o.ObserveInt64(parked, int64(st.Parked))
		o.ObserveInt64(memory, st.ViewBytes)
		o.ObserveInt64(tasks, int64(st.AsyncTasks))
		o.ObserveInt64(uploads, int64(st.Uploads))
		return nil
	}, mounts, adoptions, parked, memory, tasks, uploads)
	if err != nil {
		return nil, fmt.Errorf("otellive: %w", err)
	}
	return reg, nil
}
