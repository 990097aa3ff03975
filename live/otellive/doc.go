// Package otellive adapts templive's observers to OpenTelemetry: spans
// for the operations of live views and channels, and metrics for their
// counts, latencies, the views and channels connected, the bytes renders
// send, and the counters of PubSub, Presence and the live server.
//
// It links OpenTelemetry's API only; the application chooses the SDK and
// the exporters, so an application that does not import this package
// links no OpenTelemetry at all:
//
//	tel, err := otellive.New(otellive.Options{TracerProvider: tp, MeterProvider: mp})
//	lv := live.NewServer(live.Options{…, Observer: tel})
//	sock := channel.NewSocket(channel.SocketOptions[User]{…, Observer: tel.Channels()})
//	tel.ObservePubSub(ps)
//	tel.ObserveServer(lv)
//
// # Spans
//
// Each join, Mount, HandleParams, event, PubSub message and render of a
// connected view is a span — templive.join, templive.mount,
// templive.params, templive.event, templive.info, templive.render — with
// the view's route pattern ([AttrRoute]) and id, the event's name
// ([AttrEvent]) or the message's Go type ([AttrMessageType]). A join's
// Mount, HandleParams and first render are its children. The view's
// callbacks run with the span in their context, so what they trace (a
// database query) is its child. A crash sets the span's status to Error
// and records the error. Channels' joins and messages are
// templive.channel.join and templive.channel.message.
//
// # Metrics
//
// With the OpenTelemetry Prometheus exporter's naming:
//
//	templive_view_duration_seconds{templive_op, templive_route, templive_outcome}  histogram
//	templive_render_phase_duration_seconds{templive_phase, templive_route}         histogram
//	templive_render_sent_bytes_total{templive_route}                              counter
//	templive_views_connected{templive_route}                                      gauge
//	templive_view_crashes_total{templive_route}                                   counter
//	templive_channel_duration_seconds{templive_op, templive_channel_pattern, templive_outcome}
//	templive_channels_joined{templive_channel_pattern}
//	templive_pubsub_{broadcasts,received,delivered,dropped,overflows}_total       ([Telemetry.ObservePubSub])
//	templive_presence_{joins,leaves}_total, templive_presence_topics              ([Telemetry.ObservePresence])
//	templive_view_mounts_total, templive_views_memory_bytes, …                    ([Telemetry.ObserveServer])
//
// Metrics are labelled with routes and channel patterns, which the
// application registers, never with what a client sends: an event's name
// is any string a client chooses, so it labels spans only, where it costs
// no time series. The attribute sets of each route are made once, so
// recording an event and its render allocates nothing; spans cost what
// the SDK's spans cost.
package otellive
