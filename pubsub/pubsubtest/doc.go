// Package pubsubtest is a conformance suite for [pubsub.PubSub] setups, in
// the style of testing/slogtest: an adapter, or any way of wiring nodes,
// passes when [Run] passes.
//
// A factory makes a fresh cluster for each test: one node for the
// in-process PubSub, two or three nodes joined by the adapter under test.
// The cross-node tests run only when the factory returns more than one node.
// An adapter's test looks like this:
//
//	func TestConformance(t *testing.T) {
//		pubsubtest.Run(t, func(t *testing.T, opts pubsub.Options) []*pubsub.PubSub {
//			channel := "test:" + rand.Text() // keep parallel runs apart
//			var nodes []*pubsub.PubSub
//			for i := range 3 {
//				o := opts
//				o.Node = fmt.Sprintf("node-%d", i)
//				o.Adapter = myadapter.New(channel)
//				ps, err := pubsub.New(o)
//				if err != nil {
//					t.Fatal(err)
//				}
//				t.Cleanup(func() { ps.Close() })
//				nodes = append(nodes, ps)
//			}
//			return nodes
//		})
//	}
//
// The suite covers exact delivery to every subscriber on every node,
// per-publisher ordering, duplicate subscriptions, BroadcastFrom,
// LocalBroadcast and DirectBroadcast, unsubscribing, closing, mailbox
// overflow, typed values and unregistered types across nodes, and
// subscription churn under concurrent broadcasts. Its tests run in parallel.
package pubsubtest
