// What client commands change on an element (its classes, its style, an
// attribute) stays when the server patches the page, unless the server changes
// that attribute itself (docs/PROTOCOL.md, "Client commands"). Each attribute a
// command changed remembers the value the server gave it; when a patch sets or
// removes that attribute (the diff also sets attributes again, unchanged, when
// one before them comes or goes), the browser's value stays if the server's is
// the one remembered, and the server's wins if it moved.

/** Marks an attribute the browser owns: patches never change it (IgnoreAttributes). */
const IGNORE = {}

/**
 * The server's value of each attribute commands changed, by element.
 * @type {Map<Element, Map<string, string | null | typeof IGNORE>>}
 */
const owned = new Map()

/**
 * Called before a command changes an attribute of el: remembers the value the
 * server gave it, the first time; or, with ignore, gives the attribute to the browser.
 * @param {Element} el
 * @param {string} name
 * @param {boolean} [ignore]
 */
export function own(el, name, ignore) {
  let m = owned.get(el) || new Map()
  owned.set(el, m)
  if (ignore || !m.has(name)) m.set(name, ignore ? IGNORE : el.getAttribute(name))
}

/**
 * Prepares a patch of root. Returns touch, to call with each attribute the patch
 * sets or removes, and done, to call once it is applied.
 * @param {Element} root
 */
export function sticky(root) {
  /** @type {[Element, string, any, string | null][]} element, attribute, the server's value, the browser's */
  let rows = []
  /** @type {Map<Element, Set<string>>} */
  let touched = new Map()
  for (let [el, m] of owned) {
    if (!el.isConnected) owned.delete(el)
    else if (root.contains(el)) for (let [a, o] of m) rows.push([el, a, o, el.getAttribute(a)])
  }
  return {
    /** @param {Element} el @param {string} a */
    touch(el, a) {
      touched.get(el)?.add(a) || touched.set(el, new Set([a]))
    },
    done() {
      for (let [el, a, o, c] of rows) {
        if (!touched.get(el)?.has(a)) continue
        let n = el.getAttribute(a)
        // The server moved the attribute: its value wins; else the browser's stays.
        let v = o === IGNORE || o === n ? c : n
        v == null ? el.removeAttribute(a) : el.setAttribute(a, v)
        if (o !== IGNORE) owned.get(el)?.set(a, n)
      }
    },
  }
}
