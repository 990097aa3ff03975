// What the user typed that the server has not seen yet. It must survive a patch,
// focused or not, and a rejoin, which replaces the root's content (a chat box with
// only live-submit sends nothing until the submit).
//
// Each input gets a number; each event remembers the last number it carried, and
// its reply may only reset fields typed in no later than that (a diff push: no
// later than the last input a reply answered).

/** The input typed into one view's root. */
export class Drafts {
  /** @param {Element} root */
  constructor(root) {
    this.root = root
    /** The number of each field's last input. @type {WeakMap<Element, number>} */
    this.typed = new WeakMap()
    /** The number of the last input: what an event sent now carries. */
    this.inputs = 0
    /** The last input a reply answered. */
    this.answered = 0
    this.onInput = (/** @type {Event} */ e) => this.typed.set(/** @type {Element} */ (e.target), ++this.inputs)
    root.addEventListener("input", this.onInput, true)
  }

  /** The reply to an event that carried the inputs up to `seen` arrived. @param {number} seen */
  answer(seen) {
    this.answered = Math.max(this.answered, seen)
  }

  /**
   * Whether the field holds nothing typed after input `seen`, so that a render
   * made with the inputs up to `seen` may set its value.
   * @param {Element} el
   * @param {number} seen
   */
  fresh(el, seen) {
    return (this.typed.get(el) || 0) <= seen
  }

  /**
   * The fields holding input no reply answered, as selectors (by id, or by form id
   * and name) and values.
   * @returns {[string, string][]}
   */
  save() {
    /** @type {[string, string][]} */
    let out = []
    for (let el of this.root.querySelectorAll("input, textarea")) {
      let f = /** @type {HTMLInputElement} */ (el)
      if (this.fresh(f, this.answered) || /^(file|checkbox|radio)$/.test(f.type)) continue
      let sel = f.id ? "#" + CSS.escape(f.id) : f.form && f.form.id && f.name ? `#${CSS.escape(f.form.id)} [name="${CSS.escape(f.name)}"]` : ""
      if (sel) out.push([sel, f.value])
    }
    return out
  }

  /**
   * Puts what save() returned back into the root's new content, in each field
   * still there (the one match of its selector), as input not seen yet.
   * @param {[string, string][]} saved
   */
  restore(saved) {
    for (let [sel, value] of saved) {
      let m = this.root.querySelectorAll(sel)
      if (m.length == 1) {
        /** @type {HTMLInputElement} */ (m[0]).value = value
        this.typed.set(m[0], ++this.inputs)
      }
    }
  }

  /** Stops listening. */
  destroy() {
    this.root.removeEventListener("input", this.onInput, true)
  }
}
