// Building DOM nodes without innerHTML: every value from the API ends up as text, never markup.

/**
 * Create an element. `attrs` keys: `class`, `text`, `dataset` (object), `on<event>` (listener),
 * booleans for properties such as `hidden`, anything else as an attribute (null/false skipped).
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** Replace every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A screen-reader announcement of something that changed without a page load. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node in a new frame makes repeated identical messages be read again.
  requestAnimationFrame(() => {
    region.textContent = message;
  });
}

/** Call `fn` once `ms` after the last of a burst of calls. */
export function debounce(fn, ms) {
  let timer = 0;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

/** An alert box for a failed call: the API's own message, its code, and a retry button. */
export function errorBox(error, retry) {
  const code = error && error.code;
  return h(
    "div",
    { class: "notice error", role: "alert" },
    h("p", { class: "notice-title", text: error.message || String(error) }),
    code ? h("p", { class: "notice-meta" }, "Code ", h("code", { text: code })) : null,
    error.link ? h("p", { class: "notice-meta" }, h("a", { href: error.link, text: "About this error" })) : null,
    retry ? h("button", { type: "button", class: "button", onclick: retry, text: "Try again" }) : null,
  );
}

/** A friendly "nothing here yet" block. */
export function emptyState(title, ...body) {
  return h("div", { class: "empty" }, h("p", { class: "empty-title", text: title }), ...body);
}

/** A `<pre>` of pretty-printed JSON, focusable so keyboard users can scroll it. */
export function jsonBlock(value, label) {
  return h("pre", { class: "json", tabindex: "0", "aria-label": label, text: JSON.stringify(value, null, 2) });
}

/** Read `?a=1&b=2` from the part of the hash after the path. */
export function hashQuery(query) {
  const params = new URLSearchParams(query || "");
  const out = {};
  for (const [key, value] of params) if (value !== "") out[key] = value;
  return out;
}

/** Build `#/path?query` from a path and an object (empty values dropped). */
export function hashFor(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, value);
  }
  const text = params.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}
