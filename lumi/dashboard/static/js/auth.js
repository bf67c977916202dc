// The API key dialog: asked once when a call answers 401/403, or opened from the header.

import { currentKey, onKeyNeeded, storeKey } from "./api.js";
import { h, replace } from "./dom.js";

/** Wire the dialog in index.html; `onManualChange` runs after the user sets or forgets a key. */
export function setupKeyDialog(onManualChange) {
  const dialog = document.getElementById("key-dialog");
  const form = dialog.querySelector("form");
  const input = document.getElementById("key-input");
  const errorBox = document.getElementById("key-dialog-error");
  const forget = document.getElementById("key-forget");
  let settle = null; // resolves the pending question, if the dialog was opened by a failed call

  function open(error) {
    if (error) {
      replace(
        errorBox,
        h("p", { class: "notice-title", text: error.message }),
        error.code ? h("p", { class: "notice-meta" }, h("code", { text: error.code })) : null,
      );
    }
    errorBox.hidden = !error;
    forget.hidden = !currentKey();
    input.value = "";
    if (!dialog.open) dialog.showModal();
    input.focus();
  }

  function finish(stored) {
    if (dialog.open) dialog.close();
    const done = settle;
    settle = null;
    if (done) done(stored);
    else if (stored !== null) onManualChange();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    storeKey(key);
    finish(true);
  });
  document.getElementById("key-cancel").addEventListener("click", () => finish(settle ? false : null));
  forget.addEventListener("click", () => {
    storeKey(null);
    finish(settle ? false : true);
  });
  // Escape closes a modal dialog without a submit event.
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    finish(settle ? false : null);
  });
  document.getElementById("key-button").addEventListener("click", () => open(null));

  onKeyNeeded(
    (error) =>
      new Promise((resolve) => {
        settle = resolve;
        open(error);
      }),
  );
}
