// Applies a server patch to the DOM: the client half of Go's diff.Apply, with the
// same semantics (docs/PROTOCOL.md). A patch is a list of operations
// [code, path, args...]; path is a list of child indices (DOM childNodes, so text
// and comment nodes count) from the view root, and each operation applies to the
// tree the previous ones left. The operation codes are in constants.js.

import {
  OP_INSERT, OP_MOVE, OP_REMOVE, OP_REMOVE_ATTR, OP_REPLACE, OP_SET_ATTR, OP_SPLICE, OP_TEXT,
  UPDATE_ATTR, UPDATE_IGNORE, UPDATE_STREAM,
} from "./constants.js"

const VOID = new Set(("area base basefont bgsound br col embed frame hr img input keygen link meta " +
  "param source track wbr").split(" "))
const XHTML = "http://www.w3.org/1999/xhtml"
/** @type {Record<string, string>} */
const NS = {xlink: "http://www.w3.org/1999/xlink", xml: "http://www.w3.org/XML/1998/namespace", xmlns: "http://www.w3.org/2000/xmlns/"}

/**
 * Reports a node the patch touched: the node whose text changed, the element
 * whose attribute `attr` changed, or the parent whose children changed.
 * @typedef {(node: Node, attr?: string) => void} Changed
 */

/**
 * Reports a node a remove operation took out of parent, where next was its next
 * sibling once the whole run of removed nodes was gone.
 * @typedef {(node: Node, parent: Node, next: Node | null) => void} Removed
 */

/** A patch that does not fit the DOM it is applied to. */
export class PatchError extends Error {}

/**
 * Applies the patch to the children of root, in place. It throws a PatchError
 * at the first operation that fails; the operations before it stay applied, as
 * with diff.Apply. Each <select> whose options, or their attributes, the patch
 * changed then selects what a fresh parse of the new HTML selects, unless keep
 * says it holds a choice of the user's to keep.
 * @param {Element} root
 * @param {any[]} patch
 * @param {{changed?: Changed, removed?: Removed, keep?: (select: Element) => boolean}} [opts]
 */
export function applyPatch(root, patch, opts = {}) {
  /** @type {Set<HTMLSelectElement>} */
  let selects = new Set()
  /** @type {Changed} */
  let changed = (node, attr) => {
    // Setting or inserting an option with the selected attribute deselects the
    // others at once, whatever options later in the list say.
    let s = node instanceof Element && node.closest("select")
    s && selects.add(s)
    opts.changed && opts.changed(node, attr)
  }
  let removed = opts.removed || (() => {})
  patch.forEach((op, i) => {
    try {
      applyOp(root, op, changed, removed)
    } catch (e) {
      throw new PatchError(`patch operation ${i} ${JSON.stringify(op).slice(0, 100)}: ${e instanceof Error ? e.message : e}`)
    }
  })
  for (let s of selects) if (root.contains(s) && !(opts.keep && opts.keep(s))) resetSelect(s)
}

/**
 * Selects the options a fresh parse of the select's HTML selects: those with the
 * selected attribute, only the last of them if one option at a time can be, and
 * with none, a drop-down's first option that is not disabled. Setting each
 * option's selected property in order gives that: setting it deselects the other
 * options of a single select, and clearing it makes the select pick its default.
 * @param {HTMLSelectElement} s
 */
export function resetSelect(s) {
  for (let o of s.options) o.selected = o.hasAttribute("selected")
}

/** @param {string} msg @returns {never} */
function fail(msg) {
  throw new PatchError(msg)
}

/**
 * Children of live-update="ignore" and "stream" elements are not the diff's, and a
 * <template> keeps its children in its content, as diff.Apply knows.
 * @param {Node} n
 */
function opaque(n) {
  let v = n instanceof Element ? n.getAttribute(UPDATE_ATTR) : null
  return v == UPDATE_IGNORE || v == UPDATE_STREAM || n instanceof HTMLTemplateElement
}

/** @param {Element} root @param {any[]} op @param {Changed} changed @param {Removed} removed */
function applyOp(root, op, changed, removed) {
  let [code, path, a, b, c] = op
  if (!Array.isArray(path) || !path.length) fail("invalid patch: empty path")
  /** @type {Node} */
  let parent = root
  for (let i = 0; i < path.length; i++) {
    // The root may be opaque to its parent's patches (a nested view's), never to its own.
    if (i && opaque(parent)) fail("path enters an opaque container")
    if (i == path.length - 1) break
    parent = parent.childNodes[path[i]] || fail("path does not resolve")
  }
  let k = path[path.length - 1]
  let kids = parent.childNodes
  let n = kids.length
  if (!(k >= 0 && (k < n || (k == n && code == OP_INSERT)))) fail("path does not resolve")
  let target = kids[k]
  switch (code) {
    case OP_TEXT:
    case OP_SPLICE:
      if (!(target instanceof Text || target instanceof Comment)) fail("text of a non-text node")
      if (code == OP_TEXT) {
        // Only the part that differs is replaced, so that a caret or selection in
        // the text (a contenteditable's) stays where it was, as around a splice.
        let d = target.data, i = 0, j = 0
        while (i < d.length && d[i] == a[i]) i++
        while (j < d.length - i && j < a.length - i && d[d.length - 1 - j] == a[a.length - 1 - j]) j++
        target.replaceData(i, d.length - i - j, a.slice(i, a.length - j))
      } else {
        // replaceData would clamp a count that runs past the end; diff.Apply refuses it.
        if (!(a >= 0 && b >= 0 && a + b <= target.length)) fail(`splice ${a}+${b} outside a text of ${target.length}`)
        // Nor does it cut a character in two (a surrogate pair).
        let d = target.data
        for (let i of [a, a + b]) if (/^[\uD800-\uDBFF][\uDC00-\uDFFF]$/.test(d.slice(i - 1, i + 1))) fail(`splice at ${i} inside a character`)
        target.replaceData(a, b, c)
      }
      return changed(target)
    case OP_SET_ATTR:
    case OP_REMOVE_ATTR:
      if (!(target instanceof Element)) fail("attribute of a non-element")
      // On SVG and MathML, xlink:, xml: and xmlns attributes have their
      // namespace, as the parser gives them (<use xlink:href> needs it).
      let ns = target.namespaceURI != XHTML && NS[a.split(":")[0]]
      if (ns) code == OP_SET_ATTR ? target.setAttributeNS(ns, a, b) : target.removeAttributeNS(ns, a.split(":").pop() || a)
      else code == OP_SET_ATTR ? target.setAttribute(a, b) : target.removeAttribute(a)
      return changed(target, a)
    case OP_INSERT:
    case OP_REPLACE: {
      let el = /** @type {Element} */ (parent)
      if (el.namespaceURI == XHTML && VOID.has(el.localName)) fail(`insert into void <${el.localName}>`)
      let frag = fragment(el, a)
      code == OP_REPLACE ? parent.replaceChild(frag, target) : parent.insertBefore(frag, target || null)
      return changed(parent)
    }
    case OP_REMOVE: {
      let count = Math.max(a || 1, 1)
      if (k + count > n) fail(`removing ${count} of ${n - k}`)
      let next = kids[k + count] || null
      for (let i = 0; i < count; i++) removed(parent.removeChild(kids[k]), parent, next)
      return changed(parent)
    }
    case OP_MOVE:
      if (!(a >= 0 && a < n)) fail(`move to ${a} of ${n}`)
      parent.removeChild(target)
      parent.insertBefore(target, parent.childNodes[a] || null)
      return changed(parent)
  }
  fail(`unknown code ${code}`)
}

/**
 * Parses html with parent as the context element, as the server's
 * render.ParseFragmentIn does.
 * @param {Element} parent
 * @param {string} html
 */
export function fragment(parent, html) {
  let range = document.createRange()
  range.selectNodeContents(parent)
  let frag = range.createContextualFragment(html)
  // A fragment's scripts would run when inserted, unlike those of the page's
  // first render and of join replies (innerHTML). Swap each for a copy made by
  // innerHTML, which the browser marks as already started: same tree, no run.
  for (let s of frag.querySelectorAll("script")) {
    if (s.namespaceURI != XHTML) continue
    let t = document.createElement("template")
    t.innerHTML = s.outerHTML
    s.replaceWith(document.importNode(t.content, true))
  }
  return frag
}
