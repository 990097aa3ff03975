// Phoenix V2 JSON frames: [join_ref, ref, topic, event, payload].

/**
 * @typedef {{join_ref: string | null, ref: string | null, topic: string, event: string, payload: any}} Message
 */

/**
 * @param {Message} msg
 * @returns {string}
 */
export function encode(msg) {
  return JSON.stringify([msg.join_ref, msg.ref, msg.topic, msg.event, msg.payload])
}

/**
 * @param {string} raw
 * @returns {Message}
 */
export function decode(raw) {
  let [join_ref, ref, topic, event, payload] = JSON.parse(raw)
  return {join_ref, ref, topic, event, payload}
}
