// Package wire owns the live-view protocol: the payloads a browser and the
// server exchange on a live view's "lv:<id>" topic, over the Phoenix
// Channels envelope. docs/PROTOCOL.md ("Live views") specifies them; this
// package is their one implementation in Go, used by the runtime (live),
// the test harness (live/livetest) and the load generator
// (examples/loadgen), so none of them encodes or decodes a message by hand.
//
// # Messages
//
// Client to server, on the topic of a view:
//
//   - phx_join: [JoinPayload], answered by a [Reply] whose response is a
//     [JoinReply] (ok) or a [Refusal] (error);
//   - "event": [Event], answered by a [Render] (ok) or a refusal;
//   - "live_patch": [LivePatchRequest], answered like an event.
//
// Server to client: "diff" ([Render]), "redirect" ([Redirect]),
// "live_redirect" ([LiveRedirect]), "live_patch" ([LivePatch]) and "pong"
// ([Pong], the answer to a [Ping]). A [Frame] is the envelope as a client
// reads and writes it; the server's side of the envelope is live/channel's.
//
// Every message has an AppendJSON method that appends its wire form, and a
// Decode function that checks it. The patch inside a [Render] is
// [diff.Patch]'s own wire form; strings are written with
// internal/jsonstr, so HTML keeps its <, > and &.
//
// # Decoding
//
// Decoders never panic, whatever their input, and return a [*DecodeError]
// (an [ErrMalformed]) saying what is wrong. The decoders of what a client
// sends ([DecodeJoin], [DecodeEvent], [DecodeLivePatchRequest]) accept what
// encoding/json accepts, as the server always has (keys in any case,
// unknown keys ignored); their errors' Reason is the text the server sends
// back. The decoders of what the server sends are strict: a missing
// required key, a value of the wrong type, and a key that is not one of
// the message's, spelt exactly as the browser reads it ("d", not "D"),
// are errors, so a test that reads a frame the browser would misread
// fails saying why.
//
// # Applying
//
// [Render.Apply] and [ApplyStreams] apply a render to a tree the way the
// browser client applies it to the DOM, as [diff.Apply] twins the client's
// patch: tests see what a browser would show.
//
// # Where it lives
//
// The package sits at the module's root, not under live/, so that
// examples/loadgen may import it too; it imports diff, render (the tree
// that diff patches) and internal/jsonstr, never live, so dependencies
// still point inward.
package wire
