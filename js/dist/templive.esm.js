/* templive client, built by js/build.mjs from js/src; do not edit. */
var __defProp = Object.defineProperty;
var __export = (target, all) => {
  for (var name in all)
    __defProp(target, name, { get: all[name], enumerable: true });
};

// js/src/commands.js
var commands_exports = {};
__export(commands_exports, {
  attach: () => attach,
  patching: () => patching,
  run: () => run
});

// js/src/constants.js
var VSN = "2.0.0";
var WS_PATH = "/websocket";
var VSN_PARAM = "vsn";
var WS_PROTOCOL = "phoenix";
var AUTH_TOKEN_PROTOCOL = "base64url.bearer.phx.";
var PHOENIX_TOPIC = "phoenix";
var EV_JOIN = "phx_join";
var EV_LEAVE = "phx_leave";
var EV_REPLY = "phx_reply";
var EV_CLOSE = "phx_close";
var EV_ERROR = "phx_error";
var EV_HEARTBEAT = "heartbeat";
var EV_PRESENCE_STATE = "presence_state";
var EV_PRESENCE_DIFF = "presence_diff";
var CLOSED = "closed";
var ERRORED = "errored";
var JOINED = "joined";
var JOINING = "joining";
var LEAVING = "leaving";
var DEFAULT_TIMEOUT = 1e4;
var HEARTBEAT_MS = 3e4;
var STABLE_MS = 5e3;
var RECONNECT_STEPS = [10, 50, 100, 150, 200, 250, 500, 1e3, 2e3, 5e3];
var REJOIN_STEPS = [1e3, 2e3, 5e3, 1e4];
var WS_CLOSE_NORMAL = 1e3;
var LIVE_PATH = "/live";
var TOPIC_PREFIX = "lv:";
var CSRF_PARAM = "_csrf_token";
var CSRF_META = "meta[name='csrf-token']";
var RELOAD_KEY = "templive:reload";
var RELOAD_MIN_MS = 1e4;
var FLASH_COOKIE = "_live_flash";
var ROOT_ATTR = "data-live-root";
var SESSION_ATTR = "data-live-session";
var URL_ATTR = "data-live-url";
var PARENT_ATTR = "data-live-parent";
var PREFIX = "live-";
var CLICK_ATTR = "live-click";
var SUBMIT_ATTR = "live-submit";
var CHANGE_ATTR = "live-change";
var FOCUS_ATTR = "live-focus";
var BLUR_ATTR = "live-blur";
var WINDOW_PREFIX = "live-window-";
var KEY_ATTR = "live-key";
var DEBOUNCE_ATTR = "live-debounce";
var DEBOUNCE_BLUR = "blur";
var THROTTLE_ATTR = "live-throttle";
var DISABLE_WITH_ATTR = "live-disable-with";
var PATCH_ATTR = "live-patch";
var NAVIGATE_ATTR = "live-navigate";
var HOOK_ATTR = "live-hook";
var CLICK_AWAY_ATTR = "live-click-away";
var MOUNTED_ATTR = "live-mounted";
var REMOVE_ATTR = "live-remove";
var CONNECTED_ATTR = "live-connected";
var DISCONNECTED_ATTR = "live-disconnected";
var UPDATE_ATTR = "live-update";
var UPDATE_IGNORE = "ignore";
var UPDATE_STREAM = "stream";
var VALUE_PREFIX = "live-value-";
var KEY_VALUE = "value";
var AUTO_RECOVER_ATTR = "live-auto-recover";
var AUTO_RECOVER_IGNORE = "ignore";
var TRIGGER_ACTION_ATTR = "live-trigger-action";
var COMPONENT_ATTR = "live-component";
var TARGET_ATTR = "live-target";
var CONNECTED_CLASS = "live-connected";
var LOADING_CLASS = "live-loading";
var ERROR_CLASS = "live-error";
var RESUMED_CLASS = "live-resumed";
var REMOUNTED_CLASS = "live-remounted";
var REJOIN_EVENT = "templive:rejoin";
var LOADING_SUFFIX = "-loading";
var EV_EVENT = "event";
var EV_DIFF = "diff";
var EV_REDIRECT = "redirect";
var EV_LIVE_PATCH = "live_patch";
var EV_LIVE_REDIRECT = "live_redirect";
var HOOK_TYPE = "hook";
var PUSH_TYPE = "push";
var EVENT_PREFIX = "templive:";
var PAGE_LOADING_START = "templive:page-loading-start";
var PAGE_LOADING_STOP = "templive:page-loading-stop";
var TRANSITION_MS = 200;
var REASON_REDIRECT = "redirect";
var REASON_NAVIGATE = "navigate";
var REASON_STALE = "stale";
var REASON_UNAUTHORIZED = "unauthorized";
var REASON_RATE_LIMITED = "rate limited";
var REASON_GONE = "gone";
var OP_TEXT = 0;
var OP_SET_ATTR = 1;
var OP_REMOVE_ATTR = 2;
var OP_INSERT = 3;
var OP_REMOVE = 4;
var OP_MOVE = 5;
var OP_REPLACE = 6;
var OP_SPLICE = 7;
var STREAM_INSERT = "i";
var STREAM_DELETE = "d";
var STREAM_RESET = "r";
var STREAM_LIMIT = "l";
var FALLBACK_MS = 2500;

// js/src/patch.js
var VOID = new Set("area base basefont bgsound br col embed frame hr img input keygen link meta param source track wbr".split(" "));
var XHTML = "http://www.w3.org/1999/xhtml";
var NS = { xlink: "http://www.w3.org/1999/xlink", xml: "http://www.w3.org/XML/1998/namespace", xmlns: "http://www.w3.org/2000/xmlns/" };
var PatchError = class extends Error {
};
function applyPatch(root, patch, opts = {}) {
  let selects = /* @__PURE__ */ new Set();
  let changed = (node, attr) => {
    let s = node instanceof Element && node.closest("select");
    s && selects.add(s);
    opts.changed && opts.changed(node, attr);
  };
  let removed = opts.removed || (() => {
  });
  patch.forEach((op, i) => {
    try {
      applyOp(root, op, changed, removed);
    } catch (e) {
      throw new PatchError(`patch operation ${i} ${JSON.stringify(op).slice(0, 100)}: ${e instanceof Error ? e.message : e}`);
    }
  });
  for (let s of selects) if (root.contains(s) && !(opts.keep && opts.keep(s))) resetSelect(s);
}
function resetSelect(s) {
  for (let o of s.options) o.selected = o.hasAttribute("selected");
}
function fail(msg) {
  throw new PatchError(msg);
}
function opaque(n) {
  let v = n instanceof Element ? n.getAttribute(UPDATE_ATTR) : null;
  return v == UPDATE_IGNORE || v == UPDATE_STREAM || n instanceof HTMLTemplateElement;
}
function applyOp(root, op, changed, removed) {
  let [code, path, a, b, c] = op;
  if (!Array.isArray(path) || !path.length) fail("invalid patch: empty path");
  let parent = root;
  for (let i = 0; i < path.length; i++) {
    if (i && opaque(parent)) fail("path enters an opaque container");
    if (i == path.length - 1) break;
    parent = parent.childNodes[path[i]] || fail("path does not resolve");
  }
  let k = path[path.length - 1];
  let kids = parent.childNodes;
  let n = kids.length;
  if (!(k >= 0 && (k < n || k == n && code == OP_INSERT))) fail("path does not resolve");
  let target = kids[k];
  switch (code) {
    case OP_TEXT:
    case OP_SPLICE:
      if (!(target instanceof Text || target instanceof Comment)) fail("text of a non-text node");
      if (code == OP_TEXT) {
        let d = target.data, i = 0, j = 0;
        while (i < d.length && d[i] == a[i]) i++;
        while (j < d.length - i && j < a.length - i && d[d.length - 1 - j] == a[a.length - 1 - j]) j++;
        target.replaceData(i, d.length - i - j, a.slice(i, a.length - j));
      } else {
        if (!(a >= 0 && b >= 0 && a + b <= target.length)) fail(`splice ${a}+${b} outside a text of ${target.length}`);
        let d = target.data;
        for (let i of [a, a + b]) if (/^[\uD800-\uDBFF][\uDC00-\uDFFF]$/.test(d.slice(i - 1, i + 1))) fail(`splice at ${i} inside a character`);
        target.replaceData(a, b, c);
      }
      return changed(target);
    case OP_SET_ATTR:
    case OP_REMOVE_ATTR:
      if (!(target instanceof Element)) fail("attribute of a non-element");
      let ns = target.namespaceURI != XHTML && NS[a.split(":")[0]];
      if (ns) code == OP_SET_ATTR ? target.setAttributeNS(ns, a, b) : target.removeAttributeNS(ns, a.split(":").pop() || a);
      else code == OP_SET_ATTR ? target.setAttribute(a, b) : target.removeAttribute(a);
      return changed(target, a);
    case OP_INSERT:
    case OP_REPLACE: {
      let el = (
        /** @type {Element} */
        parent
      );
      if (el.namespaceURI == XHTML && VOID.has(el.localName)) fail(`insert into void <${el.localName}>`);
      let frag = fragment(el, a);
      code == OP_REPLACE ? parent.replaceChild(frag, target) : parent.insertBefore(frag, target || null);
      return changed(parent);
    }
    case OP_REMOVE: {
      let count = Math.max(a || 1, 1);
      if (k + count > n) fail(`removing ${count} of ${n - k}`);
      let next = kids[k + count] || null;
      for (let i = 0; i < count; i++) removed(parent.removeChild(kids[k]), parent, next);
      return changed(parent);
    }
    case OP_MOVE:
      if (!(a >= 0 && a < n)) fail(`move to ${a} of ${n}`);
      parent.removeChild(target);
      parent.insertBefore(target, parent.childNodes[a] || null);
      return changed(parent);
  }
  fail(`unknown code ${code}`);
}
function fragment(parent, html) {
  let range = document.createRange();
  range.selectNodeContents(parent);
  let frag = range.createContextualFragment(html);
  for (let s of frag.querySelectorAll("script")) {
    if (s.namespaceURI != XHTML) continue;
    let t = document.createElement("template");
    t.innerHTML = s.outerHTML;
    s.replaceWith(document.importNode(t.content, true));
  }
  return frag;
}

// js/src/dom.js
function closestWith(node, name) {
  let el = node instanceof Element ? node : node instanceof Node ? node.parentElement : null;
  for (; el; el = el.parentElement) {
    if (el.hasAttribute(name)) return el.closest(`[${ROOT_ATTR}]`) ? el : null;
    if (el.hasAttribute(ROOT_ATTR)) return null;
  }
  return null;
}
function rootOf(el) {
  return (
    /** @type {HTMLElement | null} */
    el.closest(`[${ROOT_ATTR}]`)
  );
}
function liveValues(el, params = new URLSearchParams()) {
  for (let a of el.attributes) {
    if (a.name.startsWith(VALUE_PREFIX)) params.append(a.name.slice(VALUE_PREFIX.length), a.value);
  }
  return params;
}
function serializeForm(form, submitter) {
  let params = new URLSearchParams();
  let data = submitter ? new FormData(form, submitter) : new FormData(form);
  for (let [k, v] of data) if (typeof v == "string") params.append(k, v);
  return liveValues(form, params).toString();
}
var submitters = /* @__PURE__ */ new Map();
function submitted(form, submitter) {
  let name = submitter && submitter.getAttribute("name");
  submitters.set(form.id || form, name ? [
    name,
    /** @type {HTMLButtonElement} */
    submitter.value
  ] : []);
}
function submitAction(form) {
  let [name, value] = submitters.get(form.id || form) || [];
  let input = document.createElement("input");
  input.type = "hidden";
  name && form.append(Object.assign(input, { name, value }));
  HTMLFormElement.prototype.submit.call(form);
  input.remove();
}
function isField(el) {
  return el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement;
}
function saveFocus(root) {
  let el = document.activeElement;
  if (!el || !root.contains(el)) return null;
  if (isField(el)) return { el, id: el.id, form: el.form ? el.form.id : "", name: el.name, value: el.value, ...selection(el) };
  let s = getSelection();
  return el instanceof HTMLElement && el.isContentEditable && s && s.rangeCount ? { el, id: el.id, start: textOffset(el, s.anchorNode, s.anchorOffset), end: textOffset(el, s.focusNode, s.focusOffset), edit: true } : null;
}
function selection(el) {
  try {
    let t = (
      /** @type {HTMLInputElement} */
      el
    );
    return { start: t.selectionStart, end: t.selectionEnd, dir: t.selectionDirection };
  } catch {
    return { start: null, end: null, dir: null };
  }
}
function textOffset(el, node, offset) {
  let r = document.createRange();
  r.setStart(el, 0);
  r.setEnd(
    /** @type {Node} */
    node,
    offset
  );
  return r.toString().length;
}
function textPoint(el, n) {
  let w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let t; t = /** @type {Text | null} */
  w.nextNode(); n -= t.length) if (n <= t.length) return [t, n];
  return [el, el.childNodes.length];
}
function restoreFocus(root, state) {
  if (!state) return;
  let { el, edit, start, end } = state;
  if (!root.contains(el)) {
    let found = state.id ? [document.getElementById(state.id)] : state.name ? [...root.querySelectorAll(`[name="${CSS.escape(state.name)}"]`)].filter((f) => isField(f) && (f.form ? f.form.id : "") == state.form) : [];
    el = /** @type {Element} */
    found.length == 1 && found[0];
    if (!(edit ? el instanceof HTMLElement && el.isContentEditable : isField(el)) || !root.contains(el)) return;
    if (isField(el) && !/^(checkbox|radio|file)$/.test(el.type) && el.value != state.value) el.value = /** @type {string} */
    state.value;
  }
  if (edit) {
    if (document.activeElement == el) return;
    el.focus();
    getSelection()?.setBaseAndExtent(...textPoint(
      el,
      /** @type {number} */
      start
    ), ...textPoint(
      el,
      /** @type {number} */
      end
    ));
    return;
  }
  if (!isField(el)) return;
  if (document.activeElement != el) el.focus();
  if (start != null && "setSelectionRange" in el) {
    try {
      el.setSelectionRange(start, end, state.dir);
    } catch {
    }
  }
}
function syncField(el) {
  if (el instanceof HTMLInputElement) {
    if (el.type == "checkbox" || el.type == "radio") el.checked = el.hasAttribute("checked");
    else if (el.type != "file") el.value = el.getAttribute("value") || "";
  } else if (el instanceof HTMLTextAreaElement) {
    el.value = el.defaultValue;
  } else if (el instanceof HTMLSelectElement) {
    resetSelect(el);
  }
}
function formRecovery(root) {
  let out = {};
  for (let f of root.querySelectorAll(`form[id][${CHANGE_ATTR}]:not([${AUTO_RECOVER_ATTR}="${AUTO_RECOVER_IGNORE}"])`)) {
    out[f.id] = serializeForm(
      /** @type {HTMLFormElement} */
      f
    );
  }
  return out;
}
function keepIgnored(root) {
  let saved = [...root.querySelectorAll(`[id][${UPDATE_ATTR}="${UPDATE_IGNORE}"]`)].map((el) => [el.id, [...el.childNodes]]);
  return (root2) => {
    for (let [id, nodes] of saved) {
      let el = root2.querySelector(`#${CSS.escape(
        /** @type {string} */
        id
      )}[${UPDATE_ATTR}="${UPDATE_IGNORE}"]`);
      if (el) el.replaceChildren(.../** @type {Node[]} */
      nodes);
    }
  };
}
function loading(el, type) {
  let cls = PREFIX + type + LOADING_SUFFIX;
  el.classList.add(cls);
  let submit = type == "submit" && el instanceof HTMLFormElement;
  let targets = el.hasAttribute(DISABLE_WITH_ATTR) ? [el] : [];
  if (submit) targets.push(...el.querySelectorAll(`[${DISABLE_WITH_ATTR}]`));
  let saved = targets.map((t) => {
    let b = (
      /** @type {HTMLButtonElement} */
      t
    );
    let nodes = [...b.childNodes];
    let disabled = b.disabled;
    b.textContent = b.getAttribute(DISABLE_WITH_ATTR);
    b.disabled = true;
    return () => {
      b.replaceChildren(...nodes);
      b.disabled = disabled;
    };
  });
  if (submit) {
    for (
      let f of
      /** @type {HTMLFormElement} */
      el.elements
    ) {
      if ((f instanceof HTMLInputElement || f instanceof HTMLTextAreaElement) && !f.readOnly) {
        f.readOnly = true;
        saved.push(() => {
          f.readOnly = false;
        });
      }
    }
  }
  return () => {
    el.classList.remove(cls);
    if (!el.classList.length && el.getAttribute("class") == "") el.removeAttribute("class");
    saved.forEach((f) => f());
  };
}

// js/src/sticky.js
var IGNORE = {};
var owned = /* @__PURE__ */ new Map();
function own(el, name, ignore) {
  let m = owned.get(el) || /* @__PURE__ */ new Map();
  owned.set(el, m);
  if (ignore || !m.has(name)) m.set(name, ignore ? IGNORE : el.getAttribute(name));
}
function sticky(root) {
  let rows = [];
  let touched = /* @__PURE__ */ new Map();
  for (let [el, m] of owned) {
    if (!el.isConnected) owned.delete(el);
    else if (root.contains(el)) for (let [a, o] of m) rows.push([el, a, o, el.getAttribute(a)]);
  }
  return {
    /** @param {Element} el @param {string} a */
    touch(el, a) {
      touched.get(el)?.add(a) || touched.set(el, /* @__PURE__ */ new Set([a]));
    },
    done() {
      for (let [el, a, o, c] of rows) {
        if (!touched.get(el)?.has(a)) continue;
        let n = el.getAttribute(a);
        let v = o === IGNORE || o === n ? c : n;
        v == null ? el.removeAttribute(a) : el.setAttribute(a, v);
        if (o !== IGNORE) owned.get(el)?.set(a, n);
      }
    }
  };
}

// js/src/commands.js
var focusStack = [];
var running = /* @__PURE__ */ new WeakMap();
var FOCUSABLE = "a[href],button,input,select,textarea,[tabindex]";
var words = (s) => (s || "").split(/\s+/).filter(Boolean);
var hiding = /* @__PURE__ */ new WeakSet();
var shown = (el) => getComputedStyle(el).display != "none" && !hiding.has(el);
function display(el, show) {
  let s = (
    /** @type {HTMLElement} */
    el.style
  );
  own(el, "style");
  s.display = show ? "" : "none";
  if (show && getComputedStyle(el).display == "none") s.display = "block";
}
function transition(el, tr, before, after) {
  running.get(el)?.();
  if (!tr) {
    before?.();
    after?.();
    return 0;
  }
  let [start, active, end] = (
    /** @type {string[]} */
    tr.slice(0, 3).map(words)
  );
  let ms = tr[3] || TRANSITION_MS;
  let cl = el.classList;
  own(el, "class");
  cl.add(...start, ...active);
  before?.();
  el.getBoundingClientRect();
  cl.remove(...start);
  cl.add(...end);
  let fin = () => {
    clearTimeout(timer);
    running.delete(el);
    cl.remove(...active, ...end);
    after?.();
  };
  let timer = setTimeout(fin, ms);
  running.set(el, fin);
  return ms;
}
function classes(el, a, how) {
  own(el, "class");
  for (let c of words(a.names)) el.classList[how](c);
}
var focusables = (el) => (
  /** @type {HTMLElement[]} */
  [...el.querySelectorAll(FOCUSABLE)].filter((f) => f.tabIndex >= 0 && !/** @type {any} */
  f.disabled && !f.closest("[aria-hidden=true]") && f.getClientRects().length)
);
var OPS = {
  // A show while a hide's transition runs ends it, and shows the element.
  show: (t, a) => !shown(t) && transition(t, a.tr, () => display(t, true)),
  hide: (t, a) => shown(t) && (hiding.add(t), transition(t, a.tr, void 0, () => (hiding.delete(t), display(t, false)))),
  toggle: (t, a, r) => shown(t) ? OPS.hide(t, { ...a, tr: a.out }, r) : OPS.show(t, a, r),
  transition: (t, a) => transition(t, a.tr),
  add_class: (t, a) => classes(t, a, "add"),
  remove_class: (t, a) => classes(t, a, "remove"),
  toggle_class: (t, a) => classes(t, a, "toggle"),
  // Never an event handler attribute, nor an iframe's srcdoc, which would run
  // their value as script.
  set_attr: (t, a) => {
    /^(on|srcdoc$)/i.test(a.name) || (own(t, a.name), t.setAttribute(a.name, a.value));
  },
  remove_attr: (t, a) => {
    own(t, a.name);
    t.removeAttribute(a.name);
  },
  ignore_attrs: (t, a) => a.attrs.forEach((n) => own(t, n, true)),
  push: (t, a, r) => r.sink.send(r.el, r.type, {
    ...r.base,
    t: r.type,
    e: a.event,
    v: [r.base.v, a.value].filter(Boolean).join("&")
  }),
  dispatch: (t, a) => t.dispatchEvent(new CustomEvent(a.event, { bubbles: true, detail: a.detail })),
  exec: (t, a, r) => run(r.sink, t, t.getAttribute(a.name), r.type, r.base),
  focus: (t) => t.focus(),
  focus_first: (t) => focusables(t)[0]?.focus(),
  focus_last: (t) => focusables(t).at(-1)?.focus(),
  push_focus: (t) => focusStack.push(t),
  pop_focus: () => focusStack.pop()?.focus(),
  navigate: (t, a, r) => r.sink.go(r.el, a.href, false),
  patch: (t, a, r) => r.sink.go(r.el, a.href, true),
  wait: () => {
  }
};
function run(sink, el, cmds, type, base) {
  let fail2 = (e) => console.error("templive: bad commands", cmds, e);
  let delay = 0;
  let end = 0;
  let list2;
  try {
    list2 = typeof cmds == "string" ? JSON.parse(cmds) : cmds || [];
    if (!list2.every((c) => Object.hasOwn(OPS, c[0]) && c[1] instanceof Object)) throw list2;
  } catch (e) {
    fail2(e);
    return 0;
  }
  let r = { sink, el, type, base };
  for (let [op, a] of list2) {
    let d = delay += op == "wait" && +a.ms || 0;
    let go = () => {
      try {
        let ts = op == "push_focus" && !a.to ? [document.activeElement] : a.to ? [...document.querySelectorAll(a.to)] : [el];
        for (let t of /focus/.test(op) ? ts.slice(0, 1) : ts) {
          end = Math.max(end, d + (+OPS[op](
            /** @type {HTMLElement} */
            t,
            a,
            r
          ) || 0));
        }
      } catch (e) {
        fail2(e);
      }
    };
    d ? setTimeout(go, d) : go();
    end = Math.max(end, d);
  }
  return end;
}
function attach(sink) {
  let down = null;
  addEventListener("mousedown", (e) => {
    down = e.target;
  }, true);
  addEventListener("click", (e) => {
    let from = down;
    down = null;
    for (let el of document.querySelectorAll(`[${ROOT_ATTR}] [${CLICK_AWAY_ATTR}]`)) {
      let inside = (n) => n instanceof Node && el.contains(n);
      if (!inside(e.target) && !inside(from) && el.checkVisibility()) {
        run(sink, el, el.getAttribute(CLICK_AWAY_ATTR), "click", { t: "click", v: liveValues(el).toString() });
      }
    }
  }, true);
}
var ghosts = /* @__PURE__ */ new Set();
function patching(root, sink) {
  for (let g of ghosts) root.contains(g) && ghosts.delete(g) && g.remove();
  let kept = sticky(root);
  let gone = [];
  return {
    touch: kept.touch,
    /** @param {Node} n @param {Node} parent @param {Node | null} next */
    removed(n, parent, next) {
      n instanceof Element && n.hasAttribute(REMOVE_ATTR) && gone.push([n, parent, next]);
    },
    done() {
      kept.done();
      for (let [n, parent, next] of gone) {
        parent.insertBefore(n, next && next.parentNode == parent ? next : null);
        let ms = run(sink, n, n.getAttribute(REMOVE_ATTR), PUSH_TYPE, { t: PUSH_TYPE, v: liveValues(n).toString() });
        ms ? ghosts.add(n) && setTimeout(() => ghosts.delete(n) && n.remove(), ms) : n.remove();
      }
    }
  };
}

// js/src/cmds.js
var HOLDERS = [
  "click",
  "submit",
  "change",
  "focus",
  "blur",
  "keydown",
  "keyup",
  "click-away",
  "mounted",
  "remove",
  "connected",
  "disconnected"
].map((t) => PREFIX + t).concat(["keydown", "keyup", "focus", "blur"].map((t) => WINDOW_PREFIX + t)).map((a) => `[${a}^="["]`).join();
var mod = null;
var loading2 = null;
var loader = () => Promise.reject(new Error("no commands module"));
var waiting = [];
function provide(m) {
  loader = typeof m == "function" ? m : () => Promise.resolve(m);
}
function load(sink) {
  loading2 ||= loader().then((m) => {
    mod = m;
    m.attach(sink);
    for (let w of waiting) m.run(...w);
    waiting = [];
  }, (e) => {
    loading2 = null;
    waiting = [];
    console.error("templive: commands module", e);
  });
}
function want(root, sink) {
  mod || root.querySelector(HOLDERS) && load(sink);
}
function run2(sink, el, cmds, type = PUSH_TYPE, base = { t: type, v: liveValues(el).toString() }) {
  if (mod) return mod.run(sink, el, cmds, type, base);
  waiting.push([sink, el, cmds, type, base]);
  load(sink);
  return 0;
}
function patching2(root, sink) {
  return mod ? mod.patching(root, sink) : { touch() {
  }, removed() {
  }, done() {
  } };
}

// js/src/timer.js
function backoff(steps, random = Math.random) {
  return (tries) => {
    let ms = steps[Math.min(tries, steps.length) - 1] ?? steps[0];
    return Math.round(ms * (0.5 + random() / 2));
  };
}
var Timer = class {
  /**
   * @param {() => void} callback
   * @param {Backoff} delay
   */
  constructor(callback, delay) {
    this.callback = callback;
    this.delay = delay;
    this.tries = 0;
    this.timer = void 0;
  }
  reset() {
    this.tries = 0;
    clearTimeout(this.timer);
  }
  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.tries++;
      this.callback();
    }, this.delay(this.tries + 1));
  }
};

// js/src/serializer.js
function encode(msg) {
  let p = msg.payload;
  if (!(p instanceof ArrayBuffer)) return JSON.stringify([msg.join_ref, msg.ref, msg.topic, msg.event, p]);
  let fields = [msg.join_ref || "", msg.ref || "", msg.topic, msg.event].map((s) => new TextEncoder().encode(s));
  let head = [0, ...fields.map((f) => f.length)];
  let out = new Uint8Array(5 + fields.reduce((n, f) => n + f.length, 0) + p.byteLength);
  out.set(head);
  let off = 5;
  for (let f of [...fields, new Uint8Array(p)]) {
    out.set(f, off);
    off += f.length;
  }
  return out.buffer;
}
function decode(raw) {
  let [join_ref, ref, topic, event, payload] = JSON.parse(raw);
  return { join_ref, ref, topic, event, payload };
}

// js/src/channel.js
var Push = class {
  /**
   * @param {Channel} channel
   * @param {string} event
   * @param {any} payload a value, or a function computing it at each send
   * @param {number} timeout
   */
  constructor(channel, event, payload, timeout) {
    this.channel = channel;
    this.event = event;
    this.payload = typeof payload == "function" ? payload : () => payload;
    this.timeout = timeout;
    this.received = null;
    this.hooks = [];
    this.ref = null;
    this.refEvent = null;
    this.binding = null;
    this.timer = void 0;
    this.sent = false;
  }
  /** @param {number} timeout */
  resend(timeout) {
    this.timeout = timeout;
    this.reset();
    this.send();
  }
  send() {
    if (this.received && this.received.status == "timeout") return;
    this.startTimeout();
    this.sent = true;
    this.channel.socket.push({
      join_ref: this.channel.joinRef(),
      ref: this.ref,
      topic: this.channel.topic,
      event: this.event,
      payload: this.payload()
    });
  }
  /**
   * Runs fn with the response when the reply (or timeout) has the given status.
   * @param {"ok" | "error" | "timeout" | string} status
   * @param {(response: any) => void} fn
   */
  receive(status, fn) {
    if (this.received && this.received.status == status) fn(this.received.response);
    this.hooks.push({ status, fn });
    return this;
  }
  reset() {
    this.cancelRefEvent();
    this.ref = this.refEvent = this.received = null;
    this.sent = false;
  }
  cancelRefEvent() {
    if (this.refEvent && this.binding != null) this.channel.off(this.refEvent, this.binding);
    this.binding = null;
  }
  cancelTimeout() {
    clearTimeout(this.timer);
    this.timer = void 0;
  }
  startTimeout() {
    this.cancelTimeout();
    this.cancelRefEvent();
    this.ref = this.channel.socket.makeRef();
    this.refEvent = replyEvent(this.ref);
    this.binding = this.channel.on(this.refEvent, (reply) => {
      this.cancelRefEvent();
      this.cancelTimeout();
      this.received = reply;
      for (let h of this.hooks) if (h.status == reply.status) h.fn(reply.response);
    });
    this.timer = setTimeout(() => this.trigger("timeout", {}), this.timeout);
  }
  /** @param {string} status @param {any} response */
  trigger(status, response) {
    if (this.refEvent) this.channel.trigger(this.refEvent, { status, response });
  }
};
function replyEvent(ref) {
  return "chan_reply_" + ref;
}
var Channel = class {
  /**
   * @param {string} topic
   * @param {Params | undefined} params
   * @param {Socket} socket
   */
  constructor(topic, params, socket) {
    this.topic = topic;
    this.socket = socket;
    this.state = CLOSED;
    this.timeout = socket.timeout;
    this.joinedOnce = false;
    this.bindings = [];
    this.bindingRef = 0;
    this.pushBuffer = [];
    this.joinPush = new Push(this, EV_JOIN, params || {}, this.timeout);
    this.rejoinTimer = new Timer(() => {
      if (this.socket.isConnected()) this.rejoin();
    }, socket.rejoinAfterMs);
    this.socketRefs = [
      socket.onError(() => this.rejoinTimer.reset()),
      socket.onOpen(() => {
        this.rejoinTimer.reset();
        if (this.state == ERRORED) this.rejoin();
      })
    ];
    this.joinPush.receive("ok", () => {
      this.state = JOINED;
      this.rejoinTimer.reset();
      this.pushBuffer.forEach((p) => p.send());
      this.pushBuffer = [];
    });
    this.joinPush.receive("error", () => {
      this.state = ERRORED;
      if (this.socket.isConnected()) this.rejoinTimer.schedule();
    });
    this.joinPush.receive("timeout", () => {
      this.socket.log("channel", `join timeout ${this.topic}`);
      new Push(this, EV_LEAVE, {}, this.timeout).send();
      this.state = ERRORED;
      this.joinPush.reset();
      if (this.socket.isConnected()) this.rejoinTimer.schedule();
    });
    this.on(EV_CLOSE, () => {
      this.rejoinTimer.reset();
      this.state = CLOSED;
      this.socket.remove(this);
    });
    this.on(EV_ERROR, () => {
      if (this.state == JOINING) this.joinPush.reset();
      this.state = ERRORED;
      if (this.socket.isConnected()) this.rejoinTimer.schedule();
    });
    this.on(EV_REPLY, (payload, ref) => {
      if (ref) this.trigger(replyEvent(ref), payload);
    });
  }
  /** Joins the topic; call once. @param {number} [timeout] */
  join(timeout = this.timeout) {
    if (this.joinedOnce) throw new Error("join can only be called once per channel");
    this.joinedOnce = true;
    this.rejoin(timeout);
    return this.joinPush;
  }
  /** @param {number} [timeout] */
  rejoin(timeout = this.timeout) {
    if (this.state == LEAVING) return;
    this.socket.leaveOpenTopic(this.topic);
    this.state = JOINING;
    this.joinPush.resend(timeout);
  }
  /** The ref of the current join; messages carrying another one are stale. */
  joinRef() {
    return this.joinPush.ref;
  }
  /**
   * @param {string} event
   * @param {(payload: any, ref?: string | null, joinRef?: string | null) => void} fn
   * @returns {number} a ref for off
   */
  on(event, fn) {
    let ref = ++this.bindingRef;
    this.bindings.push({ event, ref, fn });
    return ref;
  }
  /** Calls fn when the channel closes (left, or closed by the server). @param {(payload: any) => void} fn */
  onClose(fn) {
    return this.on(EV_CLOSE, fn);
  }
  /** Calls fn when the channel errors (crash, lost connection). @param {(payload: any) => void} fn */
  onError(fn) {
    return this.on(EV_ERROR, fn);
  }
  /** @param {string} event @param {number} [ref] all bindings of the event when omitted */
  off(event, ref) {
    this.bindings = this.bindings.filter((b) => !(b.event == event && (ref == null || ref == b.ref)));
  }
  canPush() {
    return this.socket.isConnected() && this.state == JOINED;
  }
  /**
   * @param {string} event
   * @param {any} payload
   * @param {number} [timeout]
   */
  push(event, payload, timeout = this.timeout) {
    if (!this.joinedOnce) throw new Error(`push "${event}" to "${this.topic}" before join`);
    let p = new Push(this, event, payload, timeout);
    if (this.canPush()) {
      p.send();
    } else {
      p.startTimeout();
      this.pushBuffer.push(p);
    }
    return p;
  }
  /** Leaves the channel; the returned push gets "ok" once left. @param {number} [timeout] */
  leave(timeout = this.timeout) {
    this.rejoinTimer.reset();
    this.joinPush.cancelTimeout();
    this.state = LEAVING;
    let onClose = () => this.trigger(EV_CLOSE, "leave");
    let p = new Push(this, EV_LEAVE, {}, timeout);
    p.receive("ok", onClose).receive("timeout", onClose);
    p.send();
    if (!this.canPush()) p.trigger("ok", {});
    return p;
  }
  unbindSocket() {
    this.socket.off(this.socketRefs);
  }
  /** @param {string} topic @param {string | null} joinRef */
  isMember(topic, joinRef) {
    if (topic != this.topic) return false;
    if (joinRef && joinRef != this.joinRef()) {
      this.socket.log("channel", `dropping stale message for ${topic} (join_ref ${joinRef})`);
      return false;
    }
    return true;
  }
  /**
   * @param {string} event
   * @param {any} payload
   * @param {string | null} [ref]
   * @param {string | null} [joinRef]
   */
  trigger(event, payload, ref, joinRef) {
    for (let b of this.bindings.slice()) {
      if (b.event == event) b.fn(payload, ref, joinRef || this.joinRef());
    }
  }
};

// js/src/socket.js
var Socket = class {
  /**
   * @param {string} endPoint e.g. "/socket" or "wss://example.com/socket"
   * @param {SocketOptions} [opts]
   */
  constructor(endPoint, opts = {}) {
    this.endPoint = endPoint.endsWith(WS_PATH) ? endPoint : endPoint + WS_PATH;
    this.params = opts.params || {};
    this.authToken = opts.authToken;
    this.timeout = opts.timeout || DEFAULT_TIMEOUT;
    this.heartbeatIntervalMs = opts.heartbeatIntervalMs || HEARTBEAT_MS;
    this.stableMs = opts.stableMs || STABLE_MS;
    this.openedAt = Infinity;
    this.reconnectAfterMs = opts.reconnectAfterMs || backoff(RECONNECT_STEPS);
    this.rejoinAfterMs = opts.rejoinAfterMs || backoff(REJOIN_STEPS);
    this.logger = opts.logger;
    this.transport = opts.transport || WebSocket;
    this.fallback = opts.fallback;
    this.fallbackTimer = void 0;
    this.channels = [];
    this.sendBuffer = [];
    this.ref = 0;
    this.conn = null;
    this.closeWasClean = false;
    this.pendingHeartbeatRef = null;
    this.heartbeatTimer = void 0;
    this.callbacks = { open: [], close: [], error: [], message: [] };
    this.reconnectTimer = new Timer(() => this.teardown(() => this.connect()), this.reconnectAfterMs);
    globalThis.document?.addEventListener("visibilitychange", () => {
      if (document.hidden) {
        clearTimeout(this.heartbeatTimer);
        this.reconnectTimer.reset();
      } else if (this.conn) {
        this.scheduleHeartbeat();
      } else if (!this.closeWasClean) {
        this.reconnectTimer.reset();
        this.connect();
      }
    });
  }
  /** @param {string} kind @param {string} msg @param {any} [data] */
  log(kind, msg, data) {
    this.logger && this.logger(kind, msg, data);
  }
  /** The URL connect() opens: the endpoint, made absolute, with the params and vsn. */
  endPointURL() {
    let params = typeof this.params == "function" ? this.params() : this.params;
    let q = new URLSearchParams(params);
    q.set(VSN_PARAM, VSN);
    let url = this.endPoint;
    if (!/^wss?:/.test(url)) {
      let loc = globalThis.location;
      let scheme = loc.protocol == "https:" ? "wss:" : "ws:";
      url = url.startsWith("//") ? scheme + url : `${scheme}//${loc.host}${url}`;
    }
    return `${url}?${q}`;
  }
  connect() {
    if (this.conn) return;
    this.closeWasClean = false;
    let protocols = [WS_PROTOCOL];
    if (this.authToken) {
      let token = btoa(this.authToken).replace(/=/g, "").replace(/\+/g, "-").replace(/\//g, "_");
      protocols.push(AUTH_TOKEN_PROTOCOL + token);
    }
    let conn = this.conn = /** @type {WebSocket} */
    new this.transport(this.endPointURL(), protocols);
    conn.onopen = () => this.onConnOpen();
    conn.onerror = (e) => this.onConnError(e);
    conn.onmessage = (e) => this.onConnMessage(e.data);
    conn.onclose = (e) => this.onConnClose(e);
    this.fallbackTimer ||= setTimeout(() => this.fallback?.(this), FALLBACK_MS);
  }
  /**
   * Connects again over another transport, as Phoenix's longPollFallbackMs does.
   * @param {any} transport a WebSocket look-alike constructor
   */
  useTransport(transport) {
    this.transport = transport;
    this.fallback = null;
    this.teardown(void 0);
    this.reconnectTimer.reset();
    this.connect();
  }
  /**
   * Closes the connection for good (no reconnect).
   * @param {() => void} [callback]
   * @param {number} [code]
   * @param {string} [reason]
   */
  disconnect(callback, code, reason) {
    this.closeWasClean = true;
    this.reconnectTimer.reset();
    this.teardown(callback, code, reason);
  }
  /** @param {(() => void) | undefined} callback @param {number} [code] @param {string} [reason] */
  teardown(callback, code, reason) {
    let conn = this.conn;
    clearTimeout(this.heartbeatTimer);
    if (!conn) return callback && callback();
    this.conn = null;
    conn.onopen = conn.onerror = conn.onmessage = conn.onclose = null;
    conn.close(code || WS_CLOSE_NORMAL, reason || "");
    this.onClosed({ code: code || WS_CLOSE_NORMAL, reason });
    callback && callback();
  }
  /** @param {Function} fn */
  onOpen(fn) {
    return this.addCallback("open", fn);
  }
  /** @param {Function} fn */
  onClose(fn) {
    return this.addCallback("close", fn);
  }
  /** @param {Function} fn */
  onError(fn) {
    return this.addCallback("error", fn);
  }
  /** @param {Function} fn */
  onMessage(fn) {
    return this.addCallback("message", fn);
  }
  /** @param {string} kind @param {Function} fn */
  addCallback(kind, fn) {
    let id = ++this.ref;
    this.callbacks[kind].push({ id, fn });
    return id;
  }
  /** Removes callbacks registered with onOpen, onClose, onError or onMessage. @param {number[]} ids */
  off(ids) {
    for (let kind in this.callbacks) {
      this.callbacks[kind] = this.callbacks[kind].filter((c) => !ids.includes(c.id));
    }
  }
  /** @param {string} kind @param {...any} args */
  fire(kind, ...args) {
    for (let c of this.callbacks[kind].slice()) c.fn(...args);
  }
  isConnected() {
    return !!this.conn && this.conn.readyState == 1;
  }
  makeRef() {
    return String(++this.ref);
  }
  /**
   * @param {string} topic
   * @param {Record<string, any> | (() => Record<string, any>)} [params]
   */
  channel(topic, params) {
    let chan = new Channel(topic, params, this);
    this.channels.push(chan);
    return chan;
  }
  /** @param {Channel} chan */
  remove(chan) {
    chan.unbindSocket();
    this.channels = this.channels.filter((c) => c !== chan);
  }
  /** Leaves any other channel joined on the topic, as the server would close it. @param {string} topic */
  leaveOpenTopic(topic) {
    let dup = this.channels.find((c) => c.topic == topic && (c.state == JOINED || c.state == JOINING));
    if (dup) {
      this.log("transport", `leaving duplicate topic "${topic}"`);
      dup.leave();
    }
  }
  /** @param {Message} msg */
  push(msg) {
    let send = () => this.conn && this.conn.send(encode(msg));
    this.log("push", `${msg.topic} ${msg.event} (${msg.join_ref}, ${msg.ref})`, msg.payload);
    this.isConnected() ? send() : this.sendBuffer.push(send);
  }
  onConnOpen() {
    this.log("transport", "connected to " + this.endPoint);
    this.fallback = null;
    this.closeWasClean = false;
    this.openedAt = Date.now();
    this.pendingHeartbeatRef = null;
    this.scheduleHeartbeat();
    let buffered = this.sendBuffer;
    this.sendBuffer = [];
    buffered.forEach((send) => send());
    this.fire("open");
  }
  scheduleHeartbeat() {
    clearTimeout(this.heartbeatTimer);
    if (globalThis.document?.hidden) return;
    this.heartbeatTimer = setTimeout(() => this.sendHeartbeat(), this.heartbeatIntervalMs);
  }
  sendHeartbeat() {
    if (!this.isConnected()) return;
    if (this.pendingHeartbeatRef) {
      this.pendingHeartbeatRef = null;
      this.log("transport", "heartbeat timeout");
      this.teardown(void 0, WS_CLOSE_NORMAL, "heartbeat timeout");
      return;
    }
    this.pendingHeartbeatRef = this.makeRef();
    this.push({ join_ref: null, ref: this.pendingHeartbeatRef, topic: PHOENIX_TOPIC, event: EV_HEARTBEAT, payload: {} });
    this.scheduleHeartbeat();
  }
  /** @param {{code: number, reason?: string}} event */
  onConnClose(event) {
    this.conn = null;
    this.onClosed(event);
  }
  /** @param {{code: number, reason?: string}} event */
  onClosed(event) {
    this.log("transport", "close", event);
    clearTimeout(this.heartbeatTimer);
    this.pendingHeartbeatRef = null;
    this.channelsErrored();
    this.sendBuffer = [];
    if (Date.now() - this.openedAt >= this.stableMs) this.reconnectTimer.reset();
    this.openedAt = Infinity;
    if (!this.closeWasClean && !globalThis.document?.hidden) this.reconnectTimer.schedule();
    this.fire("close", event);
  }
  /** @param {any} error */
  onConnError(error) {
    this.log("transport", "error", error);
    this.fire("error", error);
    this.channelsErrored();
  }
  channelsErrored() {
    for (let c of this.channels.slice()) {
      if (c.state == JOINED || c.state == JOINING) c.trigger(EV_ERROR, { reason: "socket" });
    }
  }
  /** @param {string} raw */
  onConnMessage(raw) {
    let msg = decode(raw);
    let { topic, event, payload, ref, join_ref } = msg;
    if (ref && ref === this.pendingHeartbeatRef) this.pendingHeartbeatRef = null;
    this.log("receive", `${payload && payload.status || ""} ${topic} ${event} ${ref || ""}`, payload);
    for (let c of this.channels.slice()) {
      if (c.isMember(topic, join_ref)) c.trigger(event, payload, ref, join_ref);
    }
    this.fire("message", msg);
  }
};

// js/src/presence.js
var clone = (v) => JSON.parse(JSON.stringify(v));
var refs = (metas) => metas.map((m) => m.phx_ref);
var noop = () => {
};
function bare(obj) {
  if (Object.getPrototypeOf(obj) === null) return obj;
  let out = /* @__PURE__ */ Object.create(null);
  for (let k of Object.getOwnPropertyNames(obj)) out[k] = obj[k];
  return out;
}
function syncState(current, newState, onJoin, onLeave) {
  let state = bare(clone(current));
  newState = bare(newState);
  let joins = /* @__PURE__ */ Object.create(null);
  let leaves = /* @__PURE__ */ Object.create(null);
  for (let key of Object.getOwnPropertyNames(state)) {
    if (!newState[key]) leaves[key] = state[key];
  }
  for (let key of Object.getOwnPropertyNames(newState)) {
    let next = newState[key];
    let cur = state[key];
    if (!cur) {
      joins[key] = next;
      continue;
    }
    let nextRefs = refs(next.metas);
    let curRefs = refs(cur.metas);
    let joined = next.metas.filter((m) => !curRefs.includes(m.phx_ref));
    let left = cur.metas.filter((m) => !nextRefs.includes(m.phx_ref));
    if (joined.length) {
      next.metas = joined;
      joins[key] = next;
    }
    if (left.length) {
      leaves[key] = clone(cur);
      leaves[key].metas = left;
    }
  }
  return syncDiff(state, { joins, leaves }, onJoin, onLeave);
}
function syncDiff(state, diff, onJoin = noop, onLeave = noop) {
  state = bare(state);
  let { joins, leaves } = clone(diff);
  for (let key of Object.getOwnPropertyNames(joins)) {
    let joined = joins[key];
    let cur = state[key];
    let next = state[key] = clone(joined);
    if (cur) {
      let joinedRefs = refs(next.metas);
      next.metas.unshift(...cur.metas.filter((m) => !joinedRefs.includes(m.phx_ref)));
    }
    onJoin(key, cur, joined);
  }
  for (let key of Object.getOwnPropertyNames(leaves)) {
    let left = leaves[key];
    let cur = state[key];
    if (!cur) continue;
    let gone = refs(left.metas);
    cur.metas = cur.metas.filter((m) => !gone.includes(m.phx_ref));
    onLeave(key, cur, left);
    if (!cur.metas.length) delete state[key];
  }
  return state;
}
function list(state, chooser) {
  let choose = chooser || ((_, e) => (
    /** @type {T} */
    /** @type {unknown} */
    e
  ));
  return Object.getOwnPropertyNames(state).map((k) => choose(k, state[k]));
}
var Presence = class {
  /**
   * @param {import("./channel.js").Channel} channel
   * @param {{events?: {state: string, diff: string}}} [opts]
   */
  constructor(channel, opts = {}) {
    let events = opts.events || { state: EV_PRESENCE_STATE, diff: EV_PRESENCE_DIFF };
    this.state = /* @__PURE__ */ Object.create(null);
    this.pendingDiffs = [];
    this.channel = channel;
    this.joinRef = null;
    this.joinCb = noop;
    this.leaveCb = noop;
    this.syncCb = noop;
    channel.on(events.state, (s) => {
      this.joinRef = channel.joinRef();
      this.state = syncState(this.state, s, this.joinCb, this.leaveCb);
      for (let d of this.pendingDiffs) this.state = syncDiff(this.state, d, this.joinCb, this.leaveCb);
      this.pendingDiffs = [];
      this.syncCb();
    });
    channel.on(events.diff, (d) => {
      if (this.inPendingSyncState()) return this.pendingDiffs.push(d);
      this.state = syncDiff(this.state, d, this.joinCb, this.leaveCb);
      this.syncCb();
    });
  }
  /** @param {OnChange} fn */
  onJoin(fn) {
    this.joinCb = fn;
  }
  /** @param {OnChange} fn */
  onLeave(fn) {
    this.leaveCb = fn;
  }
  /** @param {() => void} fn */
  onSync(fn) {
    this.syncCb = fn;
  }
  /** @template [T=Entry] @param {(key: string, entry: Entry) => T} [by] */
  list(by) {
    return list(this.state, by);
  }
  inPendingSyncState() {
    return !this.joinRef || this.joinRef !== this.channel.joinRef();
  }
  static syncState = syncState;
  static syncDiff = syncDiff;
  static list = list;
};

// js/src/bindings.js
var limits = /* @__PURE__ */ new WeakMap();
function limited(el, fn) {
  let debounce = el.getAttribute(DEBOUNCE_ATTR);
  let throttle = el.getAttribute(THROTTLE_ATTR);
  if (debounce == null && throttle == null) return fn();
  let s = limits.get(el) || {};
  limits.set(el, s);
  clearTimeout(s.timer);
  if (debounce == DEBOUNCE_BLUR) {
    s.pending = fn;
  } else if (debounce != null) {
    s.pending = fn;
    s.timer = setTimeout(() => flush(el), Number(debounce) || 300);
  } else {
    let ms = Number(throttle) || 0;
    let since = s.last == null ? ms : Date.now() - s.last;
    if (since >= ms) {
      s.pending = null;
      s.last = Date.now();
      fn();
    } else {
      s.pending = fn;
      s.timer = setTimeout(() => flush(el), ms - since);
    }
  }
}
function flush(el) {
  let s = limits.get(el);
  if (!s || !s.pending) return;
  let fn = s.pending;
  s.pending = null;
  s.last = Date.now();
  clearTimeout(s.timer);
  fn();
}
function keyMatches(el, e) {
  let want2 = el.getAttribute(KEY_ATTR);
  return !want2 || (e.key || "").toLowerCase() == want2.toLowerCase();
}
function bind(sink) {
  let listeners = [];
  let on = (target, type, fn, capture) => {
    target.addEventListener(type, fn, capture);
    listeners.push([target, type, fn, capture]);
  };
  let send = (el, type, extra, attr = PREFIX + type) => {
    let e = el.getAttribute(attr) || "";
    let p = { t: type, v: liveValues(el).toString(), ...extra };
    e[0] == "[" ? run2(sink, el, e, type, p) : sink.send(el, type, { ...p, e });
  };
  on(
    document,
    "click",
    /** @param {MouseEvent} e */
    (e) => {
      let link = closestWith(e.target, PATCH_ATTR) || closestWith(e.target, NAVIGATE_ATTR);
      if (link instanceof HTMLAnchorElement && e.button == 0 && !(e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) && !e.defaultPrevented && !link.target && !link.hasAttribute("download") && link.origin == location.origin) {
        e.preventDefault();
        return sink.go(link, link.href, link.hasAttribute(PATCH_ATTR));
      }
      let el = closestWith(e.target, CLICK_ATTR);
      if (!el) return;
      if (el instanceof HTMLAnchorElement) e.preventDefault();
      limited(el, () => send(el, "click"));
    }
  );
  on(
    document,
    "submit",
    /** @param {SubmitEvent} e */
    (e) => {
      let form = e.target;
      if (!(form instanceof HTMLFormElement) || !form.hasAttribute(SUBMIT_ATTR) || !rootOf(form)) return;
      e.preventDefault();
      for (let f of form.elements) flush(f);
      submitted(form, e.submitter);
      send(form, "submit", { v: serializeForm(form, e.submitter) });
    }
  );
  on(document, "input", (e) => {
    let field = e.target;
    if (!isField(field)) return;
    let form = field.form;
    let el = field.hasAttribute(CHANGE_ATTR) ? field : form && form.hasAttribute(CHANGE_ATTR) ? form : null;
    if (!el || !rootOf(el)) return;
    let owner = el;
    limited(field, () => {
      let pairs = field instanceof HTMLSelectElement ? [...field.selectedOptions].map((o) => [field.name, o.value]) : /^(checkbox|radio)$/.test(field.type) && !/** @type {HTMLInputElement} */
      field.checked ? [] : [[field.name, field.value]];
      let v = owner == form ? serializeForm(form) : liveValues(owner, new URLSearchParams(pairs)).toString();
      send(owner, "change", { v, f: field.name });
    });
  });
  on(document, "focusin", (e) => {
    let el = e.target;
    if (el instanceof Element && el.hasAttribute(FOCUS_ATTR) && rootOf(el)) limited(el, () => send(el, "focus"));
  });
  on(document, "focusout", (e) => {
    let el = e.target;
    if (!(el instanceof Element)) return;
    flush(el);
    if (el.hasAttribute(BLUR_ATTR) && rootOf(el)) send(el, "blur");
  });
  for (let type of ["keydown", "keyup"]) {
    on(
      document,
      type,
      /** @param {KeyboardEvent} e */
      (e) => {
        let el = closestWith(e.target, PREFIX + type);
        if (el && keyMatches(el, e)) {
          limited(el, () => send(el, type, { k: e.key, v: liveValues(el, new URLSearchParams(isField(el) ? [[KEY_VALUE, el.value]] : [])).toString() }));
        }
      }
    );
  }
  for (let type of ["keydown", "keyup", "focus", "blur"]) {
    on(
      window,
      type,
      /** @param {Event} e */
      (e) => {
        if ((type == "focus" || type == "blur") && e.target != window) return;
        let attr = WINDOW_PREFIX + type;
        for (let el of document.querySelectorAll(`[${ROOT_ATTR}] [${attr}]`)) {
          if (e instanceof KeyboardEvent && !keyMatches(el, e)) continue;
          let extra = e instanceof KeyboardEvent ? { k: e.key } : {};
          limited(el, () => send(el, type, extra, attr));
        }
      }
    );
  }
  on(window, "popstate", (e) => sink.popState(e));
  return () => listeners.forEach(([t, type, fn, c]) => t.removeEventListener(type, fn, c));
}

// js/src/drafts.js
var Drafts = class {
  /** @param {Element} root */
  constructor(root) {
    this.root = root;
    this.typed = /* @__PURE__ */ new WeakMap();
    this.inputs = 0;
    this.answered = 0;
    this.onInput = (e) => this.typed.set(
      /** @type {Element} */
      e.target,
      ++this.inputs
    );
    root.addEventListener("input", this.onInput, true);
  }
  /** The reply to an event that carried the inputs up to `seen` arrived. @param {number} seen */
  answer(seen) {
    this.answered = Math.max(this.answered, seen);
  }
  /**
   * Whether the field holds nothing typed after input `seen`, so that a render
   * made with the inputs up to `seen` may set its value.
   * @param {Element} el
   * @param {number} seen
   */
  fresh(el, seen) {
    return (this.typed.get(el) || 0) <= seen;
  }
  /**
   * The fields holding input no reply answered, as selectors (by id, or by form id
   * and name) and values.
   * @returns {[string, string][]}
   */
  save() {
    let out = [];
    for (let el of this.root.querySelectorAll("input, textarea")) {
      let f = (
        /** @type {HTMLInputElement} */
        el
      );
      if (this.fresh(f, this.answered) || /^(file|checkbox|radio)$/.test(f.type)) continue;
      let sel = f.id ? "#" + CSS.escape(f.id) : f.form && f.form.id && f.name ? `#${CSS.escape(f.form.id)} [name="${CSS.escape(f.name)}"]` : "";
      if (sel) out.push([sel, f.value]);
    }
    return out;
  }
  /**
   * Puts what save() returned back into the root's new content, in each field
   * still there (the one match of its selector), as input not seen yet.
   * @param {[string, string][]} saved
   */
  restore(saved) {
    for (let [sel, value] of saved) {
      let m = this.root.querySelectorAll(sel);
      if (m.length == 1) {
        m[0].value = value;
        this.typed.set(m[0], ++this.inputs);
      }
    }
  }
  /** Stops listening. */
  destroy() {
    this.root.removeEventListener("input", this.onInput, true);
  }
};

// js/src/hooks.js
function guard(fn) {
  try {
    fn();
  } catch (e) {
    console.error("templive: hook", e);
  }
}
var Hooks = class {
  /**
   * @param {Record<string, HookDef>} defs
   * @param {(name: string, payload: any) => Promise<any>} push sends a "hook" event
   */
  constructor(defs, push) {
    this.defs = defs;
    this.push = push;
    this.live = /* @__PURE__ */ new Map();
    this.handlers = /* @__PURE__ */ new Map();
  }
  /**
   * Mounts hooks on new elements of the root and destroys those whose element
   * left. A hook whose element was replaced by one with the same id and hook
   * name (a re-render of that element, or the new content after a rejoin) moves
   * to the new element and gets `updated` instead.
   * @param {Element} root
   */
  scan(root) {
    let orphans = /* @__PURE__ */ new Map();
    for (let [el, hook] of this.live) {
      if (!root.contains(el)) {
        this.live.delete(el);
        orphans.set(el.id + "\0" + el.getAttribute(HOOK_ATTR), [el, hook]);
      }
    }
    for (let el of root.querySelectorAll(`[${HOOK_ATTR}]`)) {
      let name = el.getAttribute(HOOK_ATTR) || "";
      let def = this.defs[name];
      if (!def || this.live.has(el) || rootOf(el) != root) continue;
      let key = el.id + "\0" + name;
      let orphan = el.id ? orphans.get(key) : void 0;
      if (orphan) {
        orphans.delete(key);
        orphan[1].el = /** @type {HTMLElement} */
        el;
        this.live.set(el, orphan[1]);
        this.call(orphan[1], "updated");
        continue;
      }
      let hook = Object.assign(Object.create(def), {
        el,
        pushEvent: (name2, payload) => this.push(name2, payload),
        handleEvent: (name2, fn) => {
          let list2 = this.handlers.get(name2) || [];
          list2.push({ hook, fn });
          this.handlers.set(name2, list2);
        }
      });
      this.live.set(el, hook);
      this.call(hook, "mounted");
    }
    for (let [el, hook] of orphans.values()) this.destroy(el, hook);
  }
  /** @param {Element} el @param {Hook} hook */
  destroy(el, hook) {
    this.live.delete(el);
    for (let [name, list2] of this.handlers) this.handlers.set(name, list2.filter((h) => h.hook != hook));
    this.call(hook, "destroyed");
  }
  /**
   * Calls a callback on every hook, or on those whose element contains one of `only`.
   * @param {Callback} cb
   * @param {Node[]} [only]
   */
  each(cb, only) {
    for (let [el, hook] of this.live) {
      if (el.isConnected && (!only || only.some((n) => el.contains(n)))) this.call(hook, cb);
    }
  }
  /**
   * Delivers a server PushEvent to the handleEvent callbacks of that name.
   * @param {string} name
   * @param {any} payload
   */
  dispatch(name, payload) {
    for (let h of this.handlers.get(name) || []) guard(() => h.fn.call(h.hook, payload));
  }
  /** @param {Hook} hook @param {Callback} cb */
  call(hook, cb) {
    let fn = hook[cb];
    if (typeof fn == "function") guard(() => fn.call(hook));
  }
  /** Destroys every hook (the view left). */
  clear() {
    for (let [el, hook] of this.live) this.destroy(el, hook);
  }
};

// js/src/pageload.js
var waits = 0;
function pageLoading(kind) {
  let on = true;
  if (!waits++) dispatchEvent(new CustomEvent(PAGE_LOADING_START, { detail: { kind } }));
  return () => {
    if (on && !(on = false) && !--waits) dispatchEvent(new CustomEvent(PAGE_LOADING_STOP, { detail: { kind } }));
  };
}
function reload(url) {
  let last = Number(sessionStorage.getItem(RELOAD_KEY)) || 0;
  let wait = last + RELOAD_MIN_MS - Date.now();
  setTimeout(() => {
    sessionStorage.setItem(RELOAD_KEY, String(Date.now()));
    url == location.href ? location.reload() : location.assign(url);
  }, Math.max(0, wait));
}
function redirect(to, flash) {
  if (flash) document.cookie = `${FLASH_COOKIE}=${flash}; path=/; max-age=60; samesite=lax`;
  location.href = to;
  return true;
}

// js/src/stream.js
function applyStreams(root, ops, changed = () => {
}) {
  for (let [kind, name, a, b, html] of ops) {
    let box = root.querySelector(`#${CSS.escape(name)}`);
    if (!box) continue;
    let items = box.children;
    let item = kind == STREAM_INSERT || kind == STREAM_DELETE ? [...items].find((el) => el.id == a) : void 0;
    if (kind == STREAM_INSERT) {
      let frag = fragment(box, html);
      if (item) item.replaceWith(frag);
      else box.insertBefore(frag, b >= 0 && b < items.length ? items[b] : null);
    } else if (kind == STREAM_DELETE) {
      item && item.remove();
    } else if (kind == STREAM_RESET) {
      box.replaceChildren();
    } else if (kind == STREAM_LIMIT) {
      let n = items.length;
      let keep = a >= 0 ? [0, a] : [n + a, n];
      for (let el of [...items].filter((_, i) => i < keep[0] || i >= keep[1])) el.remove();
    }
    changed(box);
  }
}

// js/src/view.js
var MAX_REDIRECTS = 5;
var MAX_PATCH_FAILS = 3;
var View = class {
  /**
   * @param {LiveSocket} live
   * @param {HTMLElement} root
   */
  constructor(live, root) {
    this.live = live;
    this.root = root;
    this.topic = TOPIC_PREFIX + root.id;
    this.session = root.getAttribute(SESSION_ATTR) || "";
    this.hooks = new Hooks(live.hooks, (name, payload) => this.pushEvent(null, HOOK_TYPE, { t: HOOK_TYPE, e: name, v: payload }));
    this.channel = null;
    this.joins = 0;
    this.joinErrors = 0;
    this.redirects = 0;
    this.wasDisconnected = false;
    this.mountId = Math.random().toString(36).slice(2);
    this.drafts = new Drafts(root);
    this.busy = /* @__PURE__ */ new Set();
    this.patchFails = 0;
    this.rejoinTimer = void 0;
    this.mounted = /* @__PURE__ */ new WeakSet();
    this.loaded = () => {
    };
    this.version = null;
    this.seq = 0;
    this.unacked = /* @__PURE__ */ new Map();
  }
  /**
   * Runs the commands in the attribute attr of the root's elements: of all of them,
   * or of those not yet in seen, which gets them.
   * @param {string} attr
   * @param {WeakSet<Element>} [seen]
   */
  fire(attr, seen) {
    for (let el of this.root.querySelectorAll(`[${attr}]`)) {
      if (rootOf(el) == this.root && (!seen || !seen.has(el) && seen.add(el))) run2(this.live.sink, el, el.getAttribute(attr));
    }
  }
  /**
   * @param {string} [url] the page URL to join with (the current one by default)
   * @param {string} [flash] a flash carried over from a live redirect
   */
  join(url, flash) {
    this.loaded();
    this.loaded = pageLoading("join");
    let chan = this.channel = this.live.socket.channel(this.topic, () => {
      let p = { session: this.session, url: url || this.root.getAttribute(URL_ATTR) || location.href };
      if (this.joins > 0) p.form = formRecovery(this.root);
      if (this.joins > 0 && this.version != null) p.v = this.version;
      if (flash) p.flash = flash;
      return p;
    });
    this.setStatus(LOADING_CLASS);
    chan.on(EV_DIFF, (r) => this.applyReply(r, null, this.drafts.answered));
    chan.on(EV_REDIRECT, (r) => redirect(r.to, r.flash));
    chan.on(EV_LIVE_PATCH, (r) => this.history(r.to, r.kind));
    chan.on(EV_LIVE_REDIRECT, (r) => this.top().navigate(r.to, r.kind, void 0, r.flash));
    chan.on(EV_ERROR, () => this.disconnected());
    chan.join().receive("ok", (r) => {
      flash = void 0;
      this.joined(r);
    }).receive("error", (r) => this.joinFailed(r || {}, url)).receive("timeout", () => this.disconnected());
  }
  /** The page's view, whose navigation a nested view's is. @returns {View} */
  top() {
    let p = this.live.views.get(this.root.getAttribute(PARENT_ATTR) || "");
    return p ? p.top() : this;
  }
  leave() {
    clearTimeout(this.rejoinTimer);
    if (this.channel) this.channel.leave();
    this.channel = null;
    this.version = null;
    for (let u of this.unacked.values()) u.fail();
    this.unacked.clear();
  }
  /** Leaves for good: hooks destroyed, listener removed. */
  destroy() {
    this.leave();
    this.hooks.clear();
    this.drafts.destroy();
  }
  /**
   * The DOM is no longer what the server diffs against (a patch failed, a reply
   * was lost): joins again, with form recovery, after a backoff when it keeps
   * happening, and loads the page in full after MAX_PATCH_FAILS.
   */
  rejoin() {
    this.leave();
    let n = ++this.patchFails;
    if (n > MAX_PATCH_FAILS) return reload(location.href);
    this.rejoinTimer = setTimeout(() => this.join(), n > 1 ? this.live.socket.rejoinAfterMs(n - 1) : 0);
  }
  disconnected() {
    this.loaded();
    if (this.root.classList.contains(ERROR_CLASS)) return;
    this.setStatus(ERROR_CLASS);
    this.wasDisconnected = true;
    this.hooks.each("disconnected");
    this.fire(DISCONNECTED_ATTR);
  }
  /** @param {string} cls */
  setStatus(cls) {
    this.root.classList.remove(CONNECTED_CLASS, LOADING_CLASS, ERROR_CLASS);
    this.root.classList.add(cls);
  }
  /**
   * A refused join: the mount sent the browser elsewhere, the session is no good,
   * or something failed (the channel retries with backoff, up to a point).
   * @param {Refusal} r
   * @param {string} [url] the URL this join was for, when it was a live navigation
   */
  joinFailed(r, url) {
    this.disconnected();
    let { reason, to, flash } = r;
    let stop = () => {
      this.leave();
      return true;
    };
    if (reason == REASON_REDIRECT && to) return stop() && redirect(to, flash);
    if (reason == REASON_GONE) return stop();
    if (reason == REASON_NAVIGATE) {
      if (to && ++this.redirects <= MAX_REDIRECTS) return this.top().navigate(to, "replace", void 0, flash);
      if (to || url) return stop() && redirect(to || url || location.href, flash);
    }
    if (reason == REASON_RATE_LIMITED) return;
    if (reason == REASON_STALE || reason == REASON_UNAUTHORIZED || ++this.joinErrors >= this.live.maxJoinErrors) {
      stop() && reload(url || location.href);
    }
  }
  /** @param {Joined} r */
  joined(r) {
    let reconnected = this.wasDisconnected;
    let rejoin = this.joins > 0;
    this.joins++;
    this.joinErrors = this.redirects = 0;
    this.wasDisconnected = false;
    let focus = saveFocus(this.root);
    this.hooks.each("beforeUpdate");
    let kept = rejoin ? keepIgnored(this.root) : null;
    let drafts = rejoin ? this.drafts.save() : [];
    let armed = new Set(rejoin ? this.triggers().map((t) => t[1]) : []);
    let resumed = r.html == null;
    if (resumed) {
      for (let m of r.m || []) this.applyReply(m, null, void 0, true);
    } else {
      this.root.innerHTML = r.html || "";
      kept && kept(this.root);
      this.drafts.restore(drafts);
    }
    this.version = r.v;
    restoreFocus(this.root, focus);
    if (r.title != null) document.title = r.title;
    this.setStatus(CONNECTED_CLASS);
    if (reconnected) {
      this.root.classList.toggle(RESUMED_CLASS, resumed);
      this.root.classList.toggle(REMOUNTED_CLASS, !resumed);
      this.root.dispatchEvent(new CustomEvent(REJOIN_EVENT, { bubbles: true, detail: { resumed } }));
    }
    for (let u of this.unacked.values()) resumed || !u.sent ? u.send() : u.fail();
    this.hooks.scan(this.root);
    want(this.root, this.live.sink);
    if (reconnected) this.hooks.each("reconnected");
    this.fire(MOUNTED_ATTR, this.mounted);
    this.fire(CONNECTED_ATTR);
    this.live.nest(this);
    this.loaded();
    for (let [f, k] of this.triggers()) armed.has(k) || submitAction(f);
  }
  /**
   * The root's forms with live-trigger-action, each with what identifies it
   * across a join: its id, or its place among the root's forms.
   * @returns {[HTMLFormElement, string | number][]}
   */
  triggers() {
    return [...this.root.querySelectorAll("form")].flatMap((f, i) => f.hasAttribute(TRIGGER_ACTION_ATTR) ? [[f, f.id || i]] : []);
  }
  /**
   * Sends an event; resolves with the reply's `r` once its patch is applied.
   * @param {Element | null} el the element that sent it (null for hooks)
   * @param {string} type
   * @param {Record<string, any>} payload an EventPayload, or a LivePatchPayload (constants.js)
   * @param {string} [event] the channel event: "event", or "live_patch"
   * @returns {Promise<any>}
   */
  pushEvent(el, type, payload, event = EV_EVENT) {
    if (!this.channel) return Promise.reject(new Error("view not joined"));
    if (el && el.id) payload.el = el.id;
    let c = el && el.closest(`[${TARGET_ATTR}],[${COMPONENT_ATTR}]`);
    if (c && this.root.contains(c)) payload.c = c.getAttribute(TARGET_ATTR) ?? c.getAttribute(COMPONENT_ATTR);
    for (let k in payload) if (payload[k] === "" || payload[k] == null) delete payload[k];
    let busy = el && { el, type, undo: loading(el, type) };
    busy && this.busy.add(busy);
    let stop = pageLoading("event");
    let done = () => {
      stop();
      if (!busy) return;
      this.busy.delete(busy);
      busy.undo();
    };
    let form = type == "submit" ? el : null;
    let seen = this.drafts.inputs;
    let q = payload.q = ++this.seq;
    return new Promise((resolve, reject) => {
      let end = (e, r) => {
        if (!this.unacked.delete(q)) return;
        done();
        e ? reject(e) : resolve(r);
      };
      let u = {
        // Sent only while joined: queued in the channel, it would overtake the
        // events a resume sends again.
        send: () => {
          let chan = this.channel;
          if (!chan || !chan.canPush()) return;
          let push = u.sent = chan.push(event, payload, this.live.eventTimeout);
          push.receive("ok", (r) => {
            this.drafts.answer(seen);
            this.applyReply(r, form, seen);
            end(null, r.r);
          }).receive("error", (r) => end(new Error(r && r.reason || "error"))).receive("timeout", () => {
            if (u.sent != push || !chan.canPush()) return;
            this.rejoin();
            end(new Error("timeout"));
          });
        },
        fail: () => end(new Error("view remounted"))
      };
      this.unacked.set(q, u);
      u.send();
    });
  }
  /**
   * Applies a patch and what travels with it.
   * @param {Reply} r
   * @param {Element | null} [resetForm] a submitted form: its fields, focused or not, follow the server
   * @param {number} [seen] the last input the server had seen when it rendered this
   * @param {boolean} [joining] part of a join's reply, which submits live-trigger-action forms itself
   */
  applyReply(r, resetForm, seen = this.drafts.inputs, joining) {
    let fresh = (el) => this.drafts.fresh(el, seen);
    let armed = new Set(this.triggers().map((t) => t[0]));
    if (this.version != null && (r.d || r.s || r.ev || r.x || r.title != null)) this.version++;
    if (r.d != null || r.s != null) this.patch(r.d || [], r.s || [], resetForm, fresh);
    if (resetForm instanceof HTMLFormElement) {
      for (let f of resetForm.elements) if (fresh(f)) syncField(f);
    }
    if (r.title != null) document.title = r.title;
    for (let [name, payload] of r.ev || []) {
      this.hooks.dispatch(name, payload);
      dispatchEvent(new CustomEvent(EVENT_PREFIX + name, { detail: payload }));
    }
    for (let x of r.x || []) run2(this.live.sink, this.root, x);
    joining || this.triggers().forEach(([f]) => armed.has(f) || submitAction(f));
  }
  /**
   * Applies a patch, then stream operations, keeping the focused field or
   * contenteditable as the user has it.
   * @param {any[]} d
   * @param {any[][]} streams
   * @param {Element | null | undefined} resetForm
   * @param {(el: Element) => boolean} [fresh] whether a field holds nothing the server has not seen
   */
  patch(d, streams, resetForm, fresh = () => true) {
    let active = document.activeElement;
    let focus = isField(active) && resetForm && active.form == resetForm ? null : saveFocus(this.root);
    let changed = [];
    let fields = /* @__PURE__ */ new Set();
    this.hooks.each("beforeUpdate");
    for (let b of this.busy) b.undo();
    let kept = patching2(this.root, this.live.sink);
    try {
      applyPatch(this.root, d, {
        removed: kept.removed,
        changed: (node, attr) => {
          attr && kept.touch(
            /** @type {Element} */
            node,
            attr
          );
          changed.push(node);
          let el = node instanceof Element ? node : node.parentElement;
          if (attr ? /^(value|checked)$/.test(attr) : el && el.tagName == "TEXTAREA") el && !el.closest("select") && fields.add(el);
        },
        keep: (el) => !!focus && el == active || !fresh(el)
      });
      applyStreams(this.root, streams, (box) => changed.push(box));
    } catch (e) {
      console.error("templive: patch failed, rejoining", e);
      this.rejoin();
      return;
    }
    this.patchFails = 0;
    kept.done();
    for (let b of this.busy) b.el.isConnected ? b.undo = loading(b.el, b.type) : this.busy.delete(b);
    for (let el of fields) if (!(focus && el == active) && fresh(el)) syncField(el);
    restoreFocus(this.root, focus);
    this.hooks.each("updated", changed);
    this.hooks.scan(this.root);
    want(this.root, this.live.sink);
    this.fire(MOUNTED_ATTR, this.mounted);
    this.live.nest(this);
  }
  /**
   * A live-patch: same view, new params.
   * @param {string} href
   * @param {"push" | "replace" | null} kind null when the browser already moved (back/forward)
   */
  livePatch(href, kind) {
    this.history(href, kind);
    this.pushEvent(null, "", { url: href }, EV_LIVE_PATCH).catch((e) => e.message == REASON_NAVIGATE && this.navigate(href, "replace"));
  }
  /** @param {string} href @param {"push" | "replace" | null} kind */
  history(href, kind) {
    if (!kind) return;
    let state = { live: this.mountId };
    kind == "replace" ? history.replaceState(state, "", href) : history.pushState(state, "", href);
    this.live.href = location.href.split("#")[0];
  }
  /**
   * A live-navigate: rejoins the same topic with another URL.
   * @param {string} href
   * @param {"push" | "replace" | null} kind
   * @param {string} [mountId] the id of the history entry we came back to
   * @param {string} [flash] carried to the next view's join
   */
  navigate(href, kind, mountId, flash) {
    let was = this.mountId;
    this.mountId = mountId || Math.random().toString(36).slice(2);
    try {
      this.history(href, kind);
    } catch {
      this.mountId = was;
      return redirect(href, flash);
    }
    this.leave();
    this.joins = 0;
    this.join(href, flash);
  }
};

// js/src/live.js
var MAX_JOIN_ERRORS = 5;
var EVENT_TIMEOUT = 3e4;
var LiveSocket = class {
  /** @param {LiveOptions} [opts] */
  constructor(opts = {}) {
    let w = (
      /** @type {any} */
      globalThis
    );
    this.hooks = opts.hooks || w.templiveHooks || {};
    this.maxJoinErrors = opts.maxJoinErrors || MAX_JOIN_ERRORS;
    this.eventTimeout = opts.eventTimeout || EVENT_TIMEOUT;
    this.href = "";
    let params = opts.params;
    this.socket = new Socket(opts.path || LIVE_PATH, {
      ...opts,
      params: () => {
        let meta = document.querySelector(CSRF_META);
        let p = typeof params == "function" ? params() : params || {};
        return { [CSRF_PARAM]: meta ? meta.getAttribute("content") || "" : "", ...p };
      }
    });
    this.views = /* @__PURE__ */ new Map();
    this.unbind = null;
    this.sink = {
      send: (el, type, payload) => {
        this.viewOf(el)?.pushEvent(el, type, payload).catch((e) => this.socket.log("event", e.message));
      },
      go: (el, href, patch) => {
        let view = this.viewOf(el)?.top();
        let u = new URL(href, location.href);
        view && u.origin == location.origin && (patch ? view.livePatch(u.href, "push") : view.navigate(u.href, "push"));
      },
      popState: (e) => {
        let view = this.views.values().next().value;
        let href = location.href.split("#")[0];
        if (href == this.href) return;
        this.href = href;
        if (!view || !e.state || !e.state.live) return;
        e.state.live == view.mountId ? view.livePatch(location.href, null) : view.navigate(location.href, null, e.state.live);
      }
    };
  }
  /** Joins every live root of the document. */
  connect() {
    if (!this.unbind) this.unbind = bind(this.sink);
    for (let root of document.querySelectorAll(`[${ROOT_ATTR}]:not([${PARENT_ATTR}])`)) {
      if (!this.views.has(root.id)) this.views.set(root.id, new View(
        this,
        /** @type {HTMLElement} */
        root
      ));
    }
    let main = this.views.values().next().value;
    if (main) history.replaceState({ ...history.state, live: main.mountId }, "");
    this.href = location.href.split("#")[0];
    want(document, this.sink);
    this.socket.connect();
    for (let v of this.views.values()) v.join();
  }
  /** Leaves every view and closes the socket. */
  disconnect() {
    for (let v of this.views.values()) v.destroy();
    this.views.clear();
    this.unbind && this.unbind();
    this.unbind = null;
    this.socket.disconnect();
  }
  /**
   * After a view joined or was patched: joins the views nested in it (or in the
   * layout, for it) that have no View yet, or a new element, and leaves those
   * whose element is gone.
   * @param {View} parent
   */
  nest(parent) {
    for (let el of document.querySelectorAll(`[${PARENT_ATTR}="${parent.root.id}"]`)) {
      let v = this.views.get(el.id);
      if (v && v.root == el) continue;
      v && v.destroy();
      this.views.set(el.id, v = new View(
        this,
        /** @type {HTMLElement} */
        el
      ));
      v.join();
    }
    for (let [id, v] of this.views) if (!v.root.isConnected) v.destroy(), this.views.delete(id);
  }
  /** @param {Element} el */
  viewOf(el) {
    let root = rootOf(el);
    return root ? this.views.get(root.id) : void 0;
  }
};

// js/src/esm.js
provide(commands_exports);
export {
  Channel,
  LiveSocket,
  Presence,
  Push,
  Socket,
  applyPatch,
  applyStreams,
  decode,
  encode
};
