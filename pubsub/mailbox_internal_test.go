package pubsub

import "testing"

// TestMailboxQueueMemory checks what a mailbox read with TryReceive holds:
// its queue stays within about its capacity however long messages come
// and go without it ever emptying, and a queue larger than spareQueue
// goes back to the garbage collector once emptied.
func TestMailboxQueueMemory(t *testing.T) {
	const capacity = 64
	mb := NewMailbox(capacity)
	for i := range 100_000 {
		if !mb.Send(Message{Payload: i}) {
			t.Fatalf("message %d dropped", i)
		}
		if i%3 != 2 || mb.Len() > capacity/2 {
			// Three in, two out: the queue fills up to half, then stays
			// there, never empty.
			if m, ok := mb.TryReceive(); !ok || m.Payload == nil {
				t.Fatalf("message %d: nothing taken", i)
			}
		}
		if c := cap(mb.q); c > 2*capacity {
			t.Fatalf("after %d messages the queue has room for %d", i+1, c)
		}
	}
	for {
		if _, ok := mb.TryReceive(); !ok {
			break
		}
	}
	if mb.q != nil || mb.head != 0 {
		t.Fatalf("an emptied mailbox keeps a queue of %d", cap(mb.q))
	}
	// What was read is not kept alive by the queue.
	mb.Send(Message{Payload: 1})
	mb.Send(Message{Payload: 2})
	mb.TryReceive()
	if mb.q[0].Payload != nil {
		t.Fatal("a message read stays in the queue")
	}
	if mb.ch != nil {
		t.Fatal("TryReceive made the channel")
	}
}
