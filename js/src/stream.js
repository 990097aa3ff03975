// Stream operations: the items of live-update="stream" containers, which the
// server sends once and forgets (docs/PROTOCOL.md, "Streams"). Items are the
// container's element children, matched by id.

import {STREAM_DELETE, STREAM_INSERT, STREAM_LIMIT, STREAM_RESET} from "./constants.js"
import {fragment} from "./patch.js"

/**
 * Applies stream operations in order. An operation on a container that is not in
 * the root does nothing.
 * @param {Element} root
 * @param {any[][]} ops ["i", container, id, at, html], ["d", container, id],
 *   ["r", container] or ["l", container, n]
 * @param {(container: Element) => void} [changed] called for each container touched
 */
export function applyStreams(root, ops, changed = () => {}) {
  for (let [kind, name, a, b, html] of ops) {
    let box = root.querySelector(`#${CSS.escape(name)}`)
    if (!box) continue
    let items = box.children
    let item = kind == STREAM_INSERT || kind == STREAM_DELETE ? [...items].find(el => el.id == a) : undefined
    if (kind == STREAM_INSERT) {
      let frag = fragment(box, html)
      if (item) item.replaceWith(frag)
      else box.insertBefore(frag, b >= 0 && b < items.length ? items[b] : null)
    } else if (kind == STREAM_DELETE) {
      item && item.remove()
    } else if (kind == STREAM_RESET) {
      box.replaceChildren()
    } else if (kind == STREAM_LIMIT) {
      let n = items.length
      let keep = a >= 0 ? [0, a] : [n + a, n]
      for (let el of [...items].filter((_, i) => i < keep[0] || i >= keep[1])) el.remove()
    }
    changed(box)
  }
}
