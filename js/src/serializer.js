// Phoenix V2 JSON frames: [join_ref, ref, topic, event, payload].

/**
 * @typedef {{join_ref: string | null, ref: string | null, topic: string, event: string, payload: any}} Message
 */

/**
 * A push whose payload is an ArrayBuffer (an upload's chunk) is a binary frame:
 * kind 0, the lengths of join_ref, ref, topic and event, those fields, the payload.
 * @param {Message} msg
 * @returns {string | ArrayBuffer}
 */
export function encode(msg) {
  let p = msg.payload
  if (!(p instanceof ArrayBuffer)) return JSON.stringify([msg.join_ref, msg.ref, msg.topic, msg.event, p])
  let fields = [msg.join_ref || "", msg.ref || "", msg.topic, msg.event].map(s => new TextEncoder().encode(s))
  let head = [0, ...fields.map(f => f.length)]
  let out = new Uint8Array(5 + fields.reduce((n, f) => n + f.length, 0) + p.byteLength)
  out.set(head)
  let off = 5
  for (let f of [...fields, new Uint8Array(p)]) { out.set(f, off); off += f.length }
  return out.buffer
}

/**
 * @param {string} raw
 * @returns {Message}
 */
export function decode(raw) {
  let [join_ref, ref, topic, event, payload] = JSON.parse(raw)
  return {join_ref, ref, topic, event, payload}
}
