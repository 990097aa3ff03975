package pubsub

// Send puts msg straight into the mailbox, as if a subscription had
// delivered it: without blocking, and under the same overflow policy. It
// reports whether msg was enqueued. Owners use it to send messages to
// themselves (timers) or to let others address one mailbox directly, like
// sending to an Erlang process.
func (m *Mailbox) Send(msg Message) bool {
	dropped, _ := m.deliver(msg)
	return !dropped
}
