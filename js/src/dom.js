// DOM helpers: reading bindings and values, serialising forms, and keeping the
// focused field's value, caret and selection across a re-render.

import {
  AUTO_RECOVER_ATTR, AUTO_RECOVER_IGNORE, CHANGE_ATTR, DISABLE_WITH_ATTR, LOADING_SUFFIX, PREFIX, ROOT_ATTR,
  UPDATE_ATTR, UPDATE_IGNORE, VALUE_PREFIX,
} from "./constants.js"
import {resetSelect} from "./patch.js"

/**
 * The nearest element from `node` up (inclusive) that has the attribute, staying
 * inside a live root.
 * @param {EventTarget | null} node
 * @param {string} name
 * @returns {Element | null}
 */
export function closestWith(node, name) {
  let el = node instanceof Element ? node : node instanceof Node ? node.parentElement : null
  for (; el; el = el.parentElement) {
    if (el.hasAttribute(name)) return el.closest(`[${ROOT_ATTR}]`) ? el : null
    if (el.hasAttribute(ROOT_ATTR)) return null
  }
  return null
}

/** @param {Element} el */
export function rootOf(el) {
  return /** @type {HTMLElement | null} */ (el.closest(`[${ROOT_ATTR}]`))
}

/**
 * The element's live-value-* attributes as url-encoded pairs, appended to `params`.
 * @param {Element} el
 * @param {URLSearchParams} [params]
 */
export function liveValues(el, params = new URLSearchParams()) {
  for (let a of el.attributes) {
    if (a.name.startsWith(VALUE_PREFIX)) params.append(a.name.slice(VALUE_PREFIX.length), a.value)
  }
  return params
}

/**
 * A form's fields (files excluded), url-encoded, followed by its live-value-*.
 * @param {HTMLFormElement} form
 * @param {HTMLElement | null} [submitter]
 */
export function serializeForm(form, submitter) {
  let params = new URLSearchParams()
  let data = submitter ? new FormData(form, submitter) : new FormData(form)
  for (let [k, v] of data) if (typeof v == "string") params.append(k, v)
  return liveValues(form, params).toString()
}

/**
 * The name and value of the button of each form's last submit, by the form's
 * id (a join replaces the form), or the form when it has none.
 * @type {Map<string | Element, string[]>}
 */
const submitters = new Map()

/**
 * Remembers the button a form was submitted with, for submitAction.
 * @param {HTMLFormElement} form
 * @param {HTMLElement | null} submitter
 */
export function submitted(form, submitter) {
  let name = submitter && submitter.getAttribute("name")
  submitters.set(form.id || form, name ? [name, /** @type {HTMLButtonElement} */ (submitter).value] : [])
}

/**
 * Submits a form as a plain HTML form (live-trigger-action), with the name and
 * value of the button of its last submit, as the browser's own submit would
 * send them. The prototype's submit, because a field named "submit" hides the
 * form's.
 * @param {HTMLFormElement} form
 */
export function submitAction(form) {
  let [name, value] = submitters.get(form.id || form) || []
  let input = document.createElement("input")
  input.type = "hidden"
  name && form.append(Object.assign(input, {name, value}))
  HTMLFormElement.prototype.submit.call(form)
  input.remove()
}

/** @param {Element | null} el @returns {el is HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} */
export function isField(el) {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement
}

/**
 * The focused element of a root and its selection: a field's, or, when `edit` is
 * set, a contenteditable's, as offsets in its text.
 * @typedef {{el: Element, id: string, form?: string, name?: string, value?: string, start: number | null, end: number | null, dir?: any, edit?: boolean}} FocusState
 */

/**
 * Remembers the focused field or contenteditable of a root so it can be restored
 * after its content is replaced: identified by id, or (a field) by its form's id
 * and its name.
 * @param {Element} root
 * @returns {FocusState | null}
 */
export function saveFocus(root) {
  let el = document.activeElement
  if (!el || !root.contains(el)) return null
  if (isField(el)) return {el, id: el.id, form: el.form ? el.form.id : "", name: el.name, value: el.value, ...selection(el)}
  let s = getSelection()
  return el instanceof HTMLElement && el.isContentEditable && s && s.rangeCount
    ? {el, id: el.id, start: textOffset(el, s.anchorNode, s.anchorOffset), end: textOffset(el, s.focusNode, s.focusOffset), edit: true}
    : null
}

/** @param {HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} el */
function selection(el) {
  try {
    let t = /** @type {HTMLInputElement} */ (el)
    return {start: t.selectionStart, end: t.selectionEnd, dir: t.selectionDirection}
  } catch {
    return {start: null, end: null, dir: null}
  }
}

/**
 * Where a point of the selection is in the text of el, in UTF-16 units.
 * @param {Element} el @param {Node | null} node @param {number} offset
 */
function textOffset(el, node, offset) {
  let r = document.createRange()
  r.setStart(el, 0)
  r.setEnd(/** @type {Node} */ (node), offset)
  return r.toString().length
}

/**
 * The point `n` units into the text of el (its end when the text is shorter).
 * @param {Element} el @param {number} n @returns {[Node, number]}
 */
function textPoint(el, n) {
  let w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT)
  for (let t; (t = /** @type {Text | null} */ (w.nextNode())); n -= t.length) if (n <= t.length) return [t, n]
  return [el, el.childNodes.length]
}

/**
 * Puts the focus and selection back on the element of `state`. Only when the element
 * was replaced, a field's value goes to the one field with its id, or its form's id
 * and its name. A contenteditable still focused keeps the caret the DOM kept for it,
 * which follows the edits of its text.
 * @param {Element} root
 * @param {FocusState | null} state
 */
export function restoreFocus(root, state) {
  if (!state) return
  let {el, edit, start, end} = state
  if (!root.contains(el)) {
    let found = state.id ? [document.getElementById(state.id)] : state.name
      ? [...root.querySelectorAll(`[name="${CSS.escape(state.name)}"]`)].filter(f => isField(f) && (f.form ? f.form.id : "") == state.form)
      : []
    el = /** @type {Element} */ (found.length == 1 && found[0])
    if (!(edit ? el instanceof HTMLElement && el.isContentEditable : isField(el)) || !root.contains(el)) return
    if (isField(el) && !/^(checkbox|radio|file)$/.test(el.type) && el.value != state.value) el.value = /** @type {string} */ (state.value)
  }
  if (edit) {
    if (document.activeElement == el) return
    /** @type {HTMLElement} */ (el).focus()
    getSelection()?.setBaseAndExtent(...textPoint(el, /** @type {number} */ (start)), ...textPoint(el, /** @type {number} */ (end)))
    return
  }
  if (!isField(el)) return
  if (document.activeElement != el) el.focus()
  if (start != null && "setSelectionRange" in el) {
    try {
      el.setSelectionRange(start, end, state.dir)
    } catch {}
  }
}

/**
 * Makes a field's live state (.value, .checked, .selected) follow its attributes and
 * text, which a patch changed. The browser only does that for fields the user has
 * not edited.
 * @param {Element} el
 */
export function syncField(el) {
  if (el instanceof HTMLInputElement) {
    if (el.type == "checkbox" || el.type == "radio") el.checked = el.hasAttribute("checked")
    else if (el.type != "file") el.value = el.getAttribute("value") || ""
  } else if (el instanceof HTMLTextAreaElement) {
    el.value = el.defaultValue
  } else if (el instanceof HTMLSelectElement) {
    resetSelect(el)
  }
}

/**
 * Every form of the root with an id and a live-change binding, url-encoded by id,
 * but those with live-auto-recover="ignore": what a rejoin sends so the server can
 * replay what the user typed.
 * @param {Element} root
 * @returns {Record<string, string>}
 */
export function formRecovery(root) {
  /** @type {Record<string, string>} */
  let out = {}
  for (let f of root.querySelectorAll(`form[id][${CHANGE_ATTR}]:not([${AUTO_RECOVER_ATTR}="${AUTO_RECOVER_IGNORE}"])`)) {
    out[f.id] = serializeForm(/** @type {HTMLFormElement} */ (f))
  }
  return out
}

/**
 * The children of live-update="ignore" elements with an id belong to the page's
 * own scripts, and patches never touch them: a rejoin's new content keeps them.
 * Returns the function that moves them into the new content.
 * @param {Element} root
 */
export function keepIgnored(root) {
  let saved = [...root.querySelectorAll(`[id][${UPDATE_ATTR}="${UPDATE_IGNORE}"]`)].map(el => [el.id, [...el.childNodes]])
  return (/** @type {Element} */ root) => {
    for (let [id, nodes] of saved) {
      let el = root.querySelector(`#${CSS.escape(/** @type {string} */ (id))}[${UPDATE_ATTR}="${UPDATE_IGNORE}"]`)
      if (el) el.replaceChildren(.../** @type {Node[]} */ (nodes))
    }
  }
}

/**
 * Marks an element busy while its event is in flight: the live-<type>-loading class,
 * live-disable-with, and read-only fields in a submitted form. Returns the function
 * that undoes it, which runs before the reply's patch so the DOM is again what the
 * server knows.
 * @param {Element} el
 * @param {string} type
 */
export function loading(el, type) {
  let cls = PREFIX + type + LOADING_SUFFIX
  el.classList.add(cls)
  let submit = type == "submit" && el instanceof HTMLFormElement
  let targets = el.hasAttribute(DISABLE_WITH_ATTR) ? [el] : []
  if (submit) targets.push(...el.querySelectorAll(`[${DISABLE_WITH_ATTR}]`))
  let saved = targets.map(t => {
    let b = /** @type {HTMLButtonElement} */ (t)
    let nodes = [...b.childNodes]
    let disabled = b.disabled
    b.textContent = b.getAttribute(DISABLE_WITH_ATTR)
    b.disabled = true
    return () => {
      b.replaceChildren(...nodes)
      b.disabled = disabled
    }
  })
  // What is typed after Enter and before the reply would be lost when the form
  // follows the server: the fields are read-only until then.
  if (submit) {
    for (let f of /** @type {HTMLFormElement} */ (el).elements) {
      if ((f instanceof HTMLInputElement || f instanceof HTMLTextAreaElement) && !f.readOnly) {
        f.readOnly = true
        saved.push(() => { f.readOnly = false })
      }
    }
  }
  return () => {
    el.classList.remove(cls)
    if (!el.classList.length && el.getAttribute("class") == "") el.removeAttribute("class")
    saved.forEach(f => f())
  }
}
