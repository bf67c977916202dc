// The Indexes page (each index with its document count and whether it is indexing) and one
// index's page (its stats, fields, a search preview and its settings as JSON). Both refresh
// when tasks of the index finish.

import { api } from "./api.js";
import { debounce, emptyState, errorBox, h, jsonBlock, replace } from "./dom.js";
import { formatNumber, timeCell } from "./format.js";
import { searchPanel } from "./search.js";
import { exampleCommand } from "./tasks.js";

const PAGE = 50;
const INDEX_COLUMNS = ["Index", "Documents", "Indexing", "Primary key", "Updated", "Created"];
const REFRESH_DELAY_MS = 300;

const indexHref = (uid) => `#/indexes/${encodeURIComponent(uid)}`;

function indexingBadge(isIndexing) {
  if (isIndexing === undefined) return h("span", { class: "muted", text: "—" });
  return isIndexing
    ? h(
        "span",
        { class: "pill status-processing" },
        h("span", { class: "pill-dot", "aria-hidden": "true" }),
        "indexing",
      )
    : h("span", { class: "pill idle", text: "idle" });
}

function indexRow(index, stats) {
  return h(
    "tr",
    { dataset: { uid: index.uid } },
    h(
      "th",
      { scope: "row", dataset: { label: "Index" } },
      h("a", { href: indexHref(index.uid), text: index.uid }),
    ),
    h("td", { class: "num", dataset: { label: "Documents" }, text: formatNumber(stats?.numberOfDocuments) }),
    h("td", { dataset: { label: "Indexing" } }, indexingBadge(stats?.isIndexing)),
    h(
      "td",
      { dataset: { label: "Primary key" } },
      index.primaryKey
        ? h("code", { text: index.primaryKey })
        : h("span", { class: "muted", text: "not set" }),
    ),
    h("td", { dataset: { label: "Updated" } }, timeCell(index.updatedAt)),
    h("td", { dataset: { label: "Created" } }, timeCell(index.createdAt)),
  );
}

function indexesTable(list, stats) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data indexes" },
      h("caption", { class: "visually-hidden", text: "Indexes" }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          INDEX_COLUMNS.map((name) =>
            h("th", { scope: "col", class: name === "Documents" ? "num" : null, text: name }),
          ),
        ),
      ),
      h("tbody", {}, list.results.map((index) => indexRow(index, stats[index.uid]))),
    ),
  );
}

function offsetPager(list, go) {
  if (list.total <= list.limit) return null;
  const last = Math.min(list.offset + list.results.length, list.total);
  return h(
    "nav",
    { class: "pager", "aria-label": "Index pages" },
    h("p", {
      class: "pager-count",
      text: `${list.offset + 1}–${last} of ${formatNumber(list.total)} indexes`,
    }),
    h(
      "div",
      { class: "pager-buttons" },
      h("button", {
        type: "button",
        class: "button",
        disabled: list.offset === 0,
        text: "← Previous",
        onclick: () => go(Math.max(0, list.offset - list.limit)),
      }),
      h("button", {
        type: "button",
        class: "button",
        disabled: last >= list.total,
        text: "Next →",
        onclick: () => go(list.offset + list.limit),
      }),
    ),
  );
}

/**
 * Refresh when a task of one of the indexes shown changes status, or a batch of them starts
 * or ends (not on every progress step in between).
 */
function watch(ctx, concerns, refresh) {
  const later = debounce(refresh, REFRESH_DELAY_MS);
  const running = new Set();
  const offTasks = ctx.tasks.subscribe((task) => {
    if (concerns(task.indexUid) && task.status !== "enqueued") later();
  });
  const offBatches = ctx.batches.subscribe((batch) => {
    if (!Object.keys(batch.stats.indexUids || {}).some(concerns)) return;
    const isRunning = batch.progress !== null && batch.progress !== undefined;
    if (isRunning && running.has(batch.uid)) return;
    if (isRunning) running.add(batch.uid);
    else running.delete(batch.uid);
    later();
  }, later);
  return () => {
    later.cancel();
    offTasks();
    offBatches();
  };
}

function indexesPage(root, _route, ctx) {
  const count = h("p", { class: "page-sub" });
  const results = h("div", { class: "results" });
  let offset = 0;

  async function load() {
    try {
      const [list, stats] = await Promise.all([
        api("indexes", { query: { offset, limit: PAGE } }),
        api("stats").catch(() => ({ indexes: {} })),
      ]);
      count.textContent = `${formatNumber(list.total)} ${list.total === 1 ? "index" : "indexes"}`;
      if (list.total === 0) {
        replace(
          results,
          emptyState(
            "No indexes yet.",
            h("p", { text: "Adding documents to an index that does not exist creates it:" }),
            h("pre", { class: "command", tabindex: "0", text: exampleCommand() }),
          ),
        );
        return;
      }
      replace(
        results,
        indexesTable(list, stats.indexes || {}),
        offsetPager(list, (next) => {
          offset = next;
          load();
        }),
      );
    } catch (error) {
      replace(results, errorBox(error, load));
    }
  }

  replace(
    root,
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1", text: "Indexes" }), count),
    results,
  );
  load();
  return watch(ctx, () => true, load);
}

function statTile(label, value) {
  return h(
    "div",
    { class: "tile" },
    h("span", { class: "tile-label", text: label }),
    h("span", { class: "tile-value" }, value),
  );
}

function fieldsTable(distribution, total) {
  const entries = Object.entries(distribution || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (entries.length === 0) return h("p", { class: "muted", text: "No fields yet." });
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data fields" },
      h("caption", { class: "visually-hidden", text: "Fields and how many documents have them" }),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col", text: "Field" }),
          h("th", { scope: "col", class: "num", text: "Documents" }),
          h("th", { scope: "col", text: "Share" }),
        ),
      ),
      h(
        "tbody",
        {},
        entries.map(([name, n]) => {
          const share = total ? Math.round((n / total) * 100) : 0;
          return h(
            "tr",
            {},
            h("th", { scope: "row" }, h("code", { text: name })),
            h("td", { class: "num", text: formatNumber(n) }),
            h(
              "td",
              {},
              h("meter", {
                min: "0",
                max: "100",
                value: String(share),
                "aria-label": `${name}: ${share}% of documents`,
                text: `${share}%`,
              }),
            ),
          );
        }),
      ),
    ),
  );
}

function indexPage(root, route, ctx) {
  const uid = route.params.uid;
  const path = `indexes/${encodeURIComponent(uid)}`;
  const sub = h("p", { class: "page-sub" });
  const tiles = h("div", { class: "tiles" });
  const fields = h("div", {});
  const settingsBody = h("div", {});
  const searchSlot = h("div", {});
  let search = null;

  async function loadStats() {
    try {
      const [meta, stats] = await Promise.all([api(path), api(`${path}/stats`)]);
      replace(
        sub,
        "Primary key ",
        meta.primaryKey ? h("code", { text: meta.primaryKey }) : "not set yet",
        " · updated ",
        timeCell(meta.updatedAt),
      );
      replace(
        tiles,
        statTile("Documents", formatNumber(stats.numberOfDocuments)),
        statTile("Status", indexingBadge(stats.isIndexing)),
        statTile("Fields", formatNumber(Object.keys(stats.fieldDistribution || {}).length)),
      );
      replace(fields, fieldsTable(stats.fieldDistribution, stats.numberOfDocuments));
      if (!search) {
        search = searchPanel(uid, meta.primaryKey);
        replace(searchSlot, search.element);
      }
      return true;
    } catch (error) {
      replace(tiles, errorBox(error, refresh));
      return false;
    }
  }

  async function loadSettings() {
    try {
      const settings = await api(`${path}/settings`);
      replace(settingsBody, jsonBlock(settings, `Settings of ${uid} as JSON`));
      return settings;
    } catch (error) {
      replace(settingsBody, errorBox(error, loadSettings));
      return null;
    }
  }

  async function refresh() {
    const [ok, settings] = await Promise.all([loadStats(), loadSettings()]);
    if (ok && search) search.refresh(settings);
  }

  replace(
    root,
    h("p", { class: "back" }, h("a", { href: "#/indexes", text: "← All indexes" })),
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1", text: uid }), sub),
    tiles,
    searchSlot,
    h(
      "section",
      { class: "card", "aria-labelledby": "fields-title" },
      h("h2", { id: "fields-title", text: "Fields" }),
      fields,
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "settings-title" },
      h("h2", { id: "settings-title", text: "Settings" }),
      settingsBody,
    ),
  );
  refresh();
  const stopWatching = watch(ctx, (name) => name === uid, refresh);
  return () => {
    stopWatching();
    if (search) search.stop();
  };
}

export function mountIndexes(root, route, ctx) {
  return route.params.uid === undefined ? indexesPage(root, route, ctx) : indexPage(root, route, ctx);
}
