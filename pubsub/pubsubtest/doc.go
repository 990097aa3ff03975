// Package pubsubtest is a conformance suite for [pubsub.PubSub] setups, in
// the style of testing/slogtest: an adapter, or any way of wiring nodes,
// passes when [Run] passes.
//
// A factory makes a fresh cluster for each test: one node for the
// in-process PubSub, two or three nodes joined by the adapter under test.
// The cross-node tests run only when the factory returns more than one node.
package pubsubtest
