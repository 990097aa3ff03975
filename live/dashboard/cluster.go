package dashboard

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/templive/templive/live"
	"github.com/templive/templive/pubsub"
)

// The dashboard gathers the cluster over the server's PubSub: an open
// overview asks every node for its sample on requestTopic once a refresh,
// and each node's responder (started by Mount) answers on the topic the
// request names. With the in-process PubSub the only node is this one.
const requestTopic = "templive:dashboard"

// sampleRequest asks every node for its sample.
type sampleRequest struct {
	ReplyTo string
}

// NodeSample is one node's answer.
type NodeSample struct {
	Node string
	Sample
}

// registerTypes names the messages that cross nodes; every node's Mount
// registers them.
func registerTypes(ps *pubsub.PubSub) error {
	if err := pubsub.Register[sampleRequest](ps, "templive.dashboard.sampleRequest"); err != nil {
		return err
	}
	if err := pubsub.Register[NodeSample](ps, "templive.dashboard.NodeSample"); err != nil {
		return err
	}
	if err := pubsub.Register[routesRequest](ps, "templive.dashboard.routesRequest"); err != nil {
		return err
	}
	return pubsub.Register[NodeRoutes](ps, "templive.dashboard.NodeRoutes")
}

// respond answers sample and routes requests until done is closed.
func (d *dash) respond(sub *pubsub.Subscription, done <-chan struct{}) {
	defer sub.Close()
	ps := d.srv.PubSub()
	var last Sample
	mb := sub.Mailbox()
	for {
		select {
		case <-done:
			return
		case <-mb.Overflow():
			// A burst of requests overflowed the mailbox: the overviews
			// that asked then miss this node for a refresh, and it
			// answers the next requests.
			mb.Resume()
		case msg := <-sub.C():
			switch req := msg.Payload.(type) {
			case sampleRequest:
				if !strings.HasPrefix(req.ReplyTo, replyPrefix) {
					continue
				}
				// Rates are over the time since this node's last answer.
				last = d.take(last)
				d.answer(req.ReplyTo, NodeSample{Node: ps.Node(), Sample: last})
			case routesRequest:
				if !strings.HasPrefix(req.ReplyTo, replyPrefix) {
					continue
				}
				// Counters since the start: the page that asked keeps
				// the differences, so several pages can ask.
				d.answer(req.ReplyTo, NodeRoutes{Node: ps.Node(), Started: d.started, Routes: d.srv.RouteStats()})
			}
		}
	}
}

// answer sends a request's answer; a failed answer leaves this node out
// of that refresh only.
func (d *dash) answer(to string, msg any) {
	ctx, cancel := context.WithTimeout(context.Background(), d.opts.Refresh)
	defer cancel()
	_ = d.srv.PubSub().Broadcast(ctx, to, msg)
}

// replyPrefix starts the topic an overview hears the nodes' answers on.
const replyPrefix = "templive:dashboard:reply:"

// nodeRow is a node of the cluster table.
type nodeRow struct {
	NodeSample
	Self bool
}

// cluster keeps the nodes an overview heard from, and when (by this
// node's clock: the nodes' clocks may differ).
type cluster struct {
	nodes map[string]heardSample
}

type heardSample struct {
	NodeSample
	at time.Time
}

// ask requests every node's sample; the answers arrive as NodeSample
// messages on the view's reply topic.
func (o *Overview) ask(s *live.Socket) {
	ps := s.PubSub()
	ctx, cancel := context.WithTimeout(context.Background(), o.d.opts.Refresh)
	defer cancel()
	if err := ps.Broadcast(ctx, requestTopic, sampleRequest{ReplyTo: replyPrefix + s.ID()}); err != nil {
		o.ClusterError = fmt.Sprintf("Asking the other nodes failed: %v", err)
		return
	}
	o.ClusterError = ""
}

// heard records a node's answer.
func (o *Overview) heard(n NodeSample) {
	if o.cluster.nodes == nil {
		o.cluster.nodes = map[string]heardSample{}
	}
	o.cluster.nodes[n.Node] = heardSample{n, time.Now()}
}

// Nodes returns the nodes heard from within the last three refreshes, this
// node first, then by name.
func (o *Overview) Nodes(self string) []nodeRow {
	var out []nodeRow
	for name, n := range o.cluster.nodes {
		if time.Since(n.at) > 3*o.d.opts.Refresh+time.Second {
			delete(o.cluster.nodes, name)
			continue
		}
		out = append(out, nodeRow{NodeSample: n.NodeSample, Self: name == self})
	}
	slices.SortFunc(out, func(a, b nodeRow) int {
		if a.Self != b.Self {
			if a.Self {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Node, b.Node)
	})
	return out
}
