// DOM helpers: reading bindings and values, serialising forms, and keeping the
// focused field's value, caret and selection across a re-render.

import {
  CHANGE_ATTR, DISABLE_WITH_ATTR, LOADING_SUFFIX, PREFIX, ROOT_ATTR, UPDATE_ATTR, UPDATE_IGNORE, VALUE_PREFIX,
} from "./constants.js"

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

/** @param {Element | null} el @returns {el is HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement} */
export function isField(el) {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement
}

/**
 * @typedef {{el: Element, id: string, form: string, name: string, value: string, start: number | null, end: number | null, dir: any}} FocusState
 */

/**
 * Remembers the focused field of a root so it can be restored after its content is
 * replaced: identified by id, or by its form's id and its name.
 * @param {Element} root
 * @returns {FocusState | null}
 */
export function saveFocus(root) {
  let el = document.activeElement
  if (!isField(el) || !root.contains(el)) return null
  let sel = selection(el)
  return {el, id: el.id, form: el.form ? el.form.id : "", name: el.name, value: el.value, ...sel}
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
 * Puts the focus and selection back on the field of `state`. Only when the field
 * was replaced, its value goes to the one field with its id, or its form's id and
 * its name.
 * @param {Element} root
 * @param {FocusState | null} state
 */
export function restoreFocus(root, state) {
  if (!state) return
  let el = state.el
  if (!root.contains(el)) {
    let found = state.id ? [document.getElementById(state.id)] : state.name
      ? [...root.querySelectorAll(`[name="${CSS.escape(state.name)}"]`)].filter(f => isField(f) && (f.form ? f.form.id : "") == state.form)
      : []
    el = /** @type {Element} */ (found.length == 1 && found[0])
    if (!isField(el) || !root.contains(el)) return
    if (!/^(checkbox|radio|file)$/.test(el.type) && el.value != state.value) el.value = state.value
  }
  if (!isField(el)) return
  if (document.activeElement != el) el.focus()
  if (state.start != null && "setSelectionRange" in el) {
    try {
      el.setSelectionRange(state.start, state.end, state.dir)
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
  } else if (el instanceof HTMLOptionElement) {
    el.selected = el.hasAttribute("selected")
  } else if (el instanceof HTMLSelectElement) {
    for (let o of el.options) o.selected = o.hasAttribute("selected")
  }
}

/**
 * Every form of the root with an id and a live-change binding, url-encoded by id:
 * what a rejoin sends so the server can replay what the user typed.
 * @param {Element} root
 * @returns {Record<string, string>}
 */
export function formRecovery(root) {
  /** @type {Record<string, string>} */
  let out = {}
  for (let f of root.querySelectorAll(`form[id][${CHANGE_ATTR}]`)) {
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
