// Newest-first pagination over `/tasks` and `/batches` with their `from`/`next` cursors.

import { api } from "./api.js";
import { h } from "./dom.js";
import { formatNumber } from "./format.js";

/**
 * The uid the page just newer than `page` starts at, or null for the newest page. Asks the
 * API for the items above the first shown one in ascending order (`reverse=true`).
 */
async function newerFrom(path, filters, page) {
  const first = page.results[0];
  if (!first) return null;
  const above = await api(path, {
    query: { ...filters, from: first.uid + 1, limit: page.limit, reverse: "true" },
  });
  if (above.next === null || above.results.length === 0) return null;
  return Math.max(...above.results.map((item) => item.uid));
}

/**
 * Pagination controls. `go(from)` shows the page starting at `from` (null: newest);
 * `atNewest` says the newest page is shown; `nouns` name one and several items.
 */
export function cursorPager({ path, filters, page, atNewest, nouns, go, onError }) {
  const newer = h("button", {
    type: "button",
    class: "button",
    disabled: atNewest,
    text: "← Newer",
    onclick: async () => {
      try {
        go(await newerFrom(path, filters, page));
      } catch (error) {
        onError(error);
      }
    },
  });
  const older = h("button", {
    type: "button",
    class: "button",
    disabled: page.next === null,
    text: "Older →",
    onclick: () => go(page.next),
  });
  const newest = h("button", {
    type: "button",
    class: "button ghost",
    disabled: atNewest,
    text: "Newest",
    onclick: () => go(null),
  });
  const shown = page.results.length;
  const noun = page.total === 1 ? nouns[0] : nouns[1];
  return h(
    "nav",
    { class: "pager", "aria-label": `Pages of ${nouns[1]}` },
    h("p", { class: "pager-count", text: `${formatNumber(shown)} of ${formatNumber(page.total)} ${noun}` }),
    h("div", { class: "pager-buttons" }, newest, newer, older),
  );
}

