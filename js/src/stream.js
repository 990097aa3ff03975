// Stream operations: the items of live-update="stream" containers, which the
// server sends once and forgets (docs/PROTOCOL.md, "Streams"). Items are the
// container's element children, matched by id.

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
    let item = kind == "i" || kind == "d" ? [...items].find(el => el.id == a) : undefined
    if (kind == "i") {
      let frag = fragment(box, html)
      if (item) item.replaceWith(frag)
      else box.insertBefore(frag, b >= 0 && b < items.length ? items[b] : null)
    } else if (kind == "d") {
      item && item.remove()
    } else if (kind == "r") {
      box.replaceChildren()
    } else if (kind == "l") {
      let n = items.length
      let keep = a >= 0 ? [0, a] : [n + a, n]
      for (let el of [...items].filter((_, i) => i < keep[0] || i >= keep[1])) el.remove()
    }
    changed(box)
  }
}
