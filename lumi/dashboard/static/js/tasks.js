// The Tasks page: every task newest first, filters that map to `/tasks` query parameters,
// cursor pagination, and rows that change live as the task stream reports them.

import { api, apiUrl } from "./api.js";
import { announce, emptyState, errorBox, h, hashFor, replace } from "./dom.js";
import {
  STATUSES,
  TASK_TYPES,
  formatDuration,
  formatNumber,
  isNewer,
  statusPill,
  timeCell,
} from "./format.js";
import { cursorPager } from "./pager.js";

const LIMIT = 20;
const FILTERS = ["statuses", "types", "indexUids", "batchUids"];
const COLUMNS = [
  "Uid",
  "Index",
  "Type",
  "Status",
  "Enqueued",
  "Started",
  "Finished",
  "Duration",
  "Batch",
  "Metadata",
];

const listOf = (value) => (value ? String(value).split(",").filter(Boolean) : []);

/** Whether `task` belongs in a list filtered like `/tasks?statuses=…&types=…`. */
export function matchesFilters(task, filters) {
  const allows = (name, value) => {
    const allowed = listOf(filters[name]);
    return allowed.length === 0 || allowed.includes(String(value));
  };
  return (
    allows("statuses", task.status) &&
    allows("types", task.type) &&
    allows("indexUids", task.indexUid) &&
    allows("batchUids", task.batchUid)
  );
}

const dash = () => h("span", { class: "muted", text: "—" });

function cell(label, ...content) {
  return h("td", { dataset: { label } }, ...content);
}

/** One table row; shared with the batch view's task list. */
export function taskRow(task) {
  return h(
    "tr",
    { dataset: { uid: task.uid, status: task.status } },
    cell(
      "Uid",
      h("a", { href: `#/tasks/${task.uid}`, class: "uid", "aria-label": `Task ${task.uid}`, text: task.uid }),
    ),
    cell(
      "Index",
      task.indexUid
        ? h("a", { href: `#/indexes/${encodeURIComponent(task.indexUid)}`, text: task.indexUid })
        : h("span", { class: "muted", text: "all" }),
    ),
    cell("Type", h("span", { class: "type", text: task.type })),
    cell(
      "Status",
      statusPill(task.status),
      task.error ? h("span", { class: "row-error", title: task.error.message, text: task.error.code }) : null,
    ),
    cell("Enqueued", timeCell(task.enqueuedAt)),
    cell("Started", timeCell(task.startedAt)),
    cell("Finished", timeCell(task.finishedAt)),
    cell("Duration", task.duration ? formatDuration(task.duration) : dash()),
    cell(
      "Batch",
      task.batchUid === null || task.batchUid === undefined
        ? dash()
        : h("a", { href: `#/batches/${task.batchUid}`, "aria-label": `Batch ${task.batchUid}`, text: task.batchUid }),
    ),
    cell("Metadata", task.customMetadata ? h("span", { class: "metadata", text: task.customMetadata }) : dash()),
  );
}

/** A table of tasks with its header; `rows` are `taskRow` elements. */
export function taskTable(caption, rows) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data tasks" },
      h("caption", { class: "visually-hidden", text: caption }),
      h("thead", {}, h("tr", {}, COLUMNS.map((name) => h("th", { scope: "col", text: name })))),
      h("tbody", {}, rows),
    ),
  );
}

/** A copyable command that adds a document, for empty states. */
export function exampleCommand() {
  const url = apiUrl("indexes/movies/documents");
  const body = `'[{"id": 1, "title": "Carol"}]'`;
  return `curl -X POST '${url}' -H 'Content-Type: application/json' --data-binary ${body}`;
}

function statusFilter(state, changed) {
  const chosen = listOf(state.filters.statuses);
  return h(
    "fieldset",
    { class: "field status-filter" },
    h("legend", { text: "Status" }),
    h(
      "div",
      { class: "checks" },
      STATUSES.map((status) =>
        h(
          "label",
          { class: "check" },
          h("input", {
            type: "checkbox",
            name: "statuses",
            value: status,
            checked: chosen.includes(status),
            onchange: (event) => {
              const boxes = event.target.form.querySelectorAll("input[name=statuses]:checked");
              changed({ statuses: [...boxes].map((box) => box.value).join(",") });
            },
          }),
          statusPill(status),
        ),
      ),
    ),
  );
}

function typeFilter(state, changed) {
  const current = state.filters.types || "";
  const known = TASK_TYPES.includes(current) || current === "";
  return h(
    "div",
    { class: "field" },
    h("label", { for: "filter-type", text: "Type" }),
    h(
      "select",
      { id: "filter-type", name: "types", onchange: (event) => changed({ types: event.target.value }) },
      h("option", { value: "", text: "All types" }),
      known ? null : h("option", { value: current, selected: true, text: current }),
      TASK_TYPES.map((type) => h("option", { value: type, selected: type === current, text: type })),
    ),
  );
}

function indexFilter(state, changed, indexNames) {
  const input = h("input", {
    id: "filter-index",
    name: "indexUids",
    type: "search",
    list: "filter-index-names",
    placeholder: "All indexes",
    autocomplete: "off",
    spellcheck: "false",
    value: state.filters.indexUids || "",
    onchange: (event) => changed({ indexUids: event.target.value.trim() }),
  });
  return h(
    "div",
    { class: "field" },
    h("label", { for: "filter-index", text: "Index" }),
    input,
    indexNames,
  );
}

function batchChip(state, changed) {
  if (!state.filters.batchUids) return null;
  return h(
    "div",
    { class: "field chip-field" },
    h("span", { class: "field-label", text: "Batch" }),
    h(
      "button",
      {
        type: "button",
        class: "chip",
        "aria-label": `Remove the filter on batch ${state.filters.batchUids}`,
        onclick: () => changed({ batchUids: "" }),
      },
      state.filters.batchUids,
      h("span", { "aria-hidden": "true", text: " ✕" }),
    ),
  );
}

function filtersForm(state, changed, indexNames) {
  return h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Filter tasks",
      onsubmit: (event) => {
        event.preventDefault();
        const index = event.target.querySelector("#filter-index");
        changed({ indexUids: index.value.trim() });
      },
    },
    statusFilter(state, changed),
    typeFilter(state, changed),
    indexFilter(state, changed, indexNames),
    batchChip(state, changed),
    h("button", {
      type: "button",
      class: "button ghost clear-filters",
      disabled: Object.keys(state.filters).length === 0,
      text: "Clear filters",
      onclick: () => changed(null),
    }),
  );
}

export function mountTasks(root, route, ctx) {
  const filters = {};
  for (const name of FILTERS) if (route.query[name]) filters[name] = route.query[name];
  const state = {
    filters,
    from: route.query.from !== undefined ? Number(route.query.from) : null,
    page: null,
    queue: null, // stream lines that arrive while a page loads, applied once it is shown
    controller: null,
    rows: new Map(),
  };
  const count = h("p", { class: "page-sub" });
  const results = h("div", { class: "results" });
  const pagerSlot = h("div", {});
  const indexNames = h("datalist", { id: "filter-index-names" });
  const filterSlot = h("div", {});

  // Changes made with a form control keep that control (and the keyboard focus); changes
  // from elsewhere (clear, the batch chip) rebuild the form.
  function changed(update) {
    const fromForm = update !== null && !("batchUids" in update);
    if (update === null) state.filters = {};
    else {
      for (const [name, value] of Object.entries(update)) {
        if (value) state.filters[name] = value;
        else delete state.filters[name];
      }
    }
    state.from = null;
    if (fromForm) {
      filterSlot.querySelector(".clear-filters").disabled = Object.keys(state.filters).length === 0;
    } else {
      replace(filterSlot, filtersForm(state, changed, indexNames));
      filterSlot.querySelector("input").focus();
    }
    ctx.setHash(hashFor("/tasks", state.filters));
    load();
  }

  function go(from) {
    state.from = from;
    ctx.setHash(hashFor("/tasks", { ...state.filters, from }));
    load().then(() => root.querySelector("h1").focus());
  }

  async function load() {
    if (state.controller) state.controller.abort();
    const controller = new AbortController();
    state.controller = controller;
    state.queue = [];
    results.setAttribute("aria-busy", "true");
    try {
      const page = await api("tasks", {
        query: { ...state.filters, from: state.from, limit: LIMIT },
        signal: controller.signal,
      });
      if (controller.signal.aborted) return;
      state.page = page;
      render();
      const queued = state.queue;
      state.queue = null;
      for (const task of queued) apply(task);
    } catch (error) {
      if (error.name === "AbortError") return;
      state.queue = null;
      count.textContent = "";
      replace(results, errorBox(error, load));
    } finally {
      if (state.controller === controller) results.removeAttribute("aria-busy");
    }
  }

  function showCount() {
    const { total } = state.page;
    count.textContent = `${formatNumber(total)} ${total === 1 ? "task" : "tasks"}`;
  }

  function render() {
    const { page } = state;
    showCount();
    state.rows = new Map(page.results.map((task) => [task.uid, taskRow(task)]));
    if (page.results.length === 0) {
      replace(results, emptyView());
      return;
    }
    replace(results, taskTable("Tasks, newest first", [...state.rows.values()]), pagerSlot);
    renderPager();
  }

  function renderPager() {
    replace(
      pagerSlot,
      cursorPager({
        path: "tasks",
        filters: state.filters,
        page: state.page,
        atNewest: state.from === null,
        nouns: ["task", "tasks"],
        go,
        onError: (error) => replace(results, errorBox(error, load)),
      }),
    );
  }

  function emptyView() {
    if (Object.keys(state.filters).length > 0 || state.from !== null) {
      return emptyState(
        "No tasks match these filters.",
        h("button", { type: "button", class: "button", text: "Clear filters", onclick: () => changed(null) }),
      );
    }
    return emptyState(
      "No tasks yet.",
      h("p", { text: "Every write to the API becomes a task, shown here the moment it is sent. For example:" }),
      h("pre", { class: "command", tabindex: "0", text: exampleCommand() }),
    );
  }

  // Where a task newly matching the filters goes on this page, or -1 if on another page.
  function insertAt(task) {
    const rows = state.page.results;
    const last = rows[rows.length - 1];
    if (state.from !== null && task.uid > state.from) return -1;
    if (last && task.uid < last.uid && state.page.next !== null) return -1;
    const index = rows.findIndex((other) => other.uid < task.uid);
    return index === -1 ? rows.length : index;
  }

  function apply(task) {
    if (state.queue) {
      state.queue.push(task);
      return;
    }
    if (!state.page) return;
    const rows = state.page.results;
    const at = rows.findIndex((other) => other.uid === task.uid);
    const wanted = matchesFilters(task, state.filters);
    if (at >= 0) {
      if (!isNewer(rows[at], task)) return;
      if (wanted) {
        rows[at] = task;
        swapRow(task);
      } else {
        rows.splice(at, 1);
        state.page.total -= 1;
        dropRow(task.uid);
      }
    } else {
      const index = wanted ? insertAt(task) : -1;
      if (index < 0) return;
      rows.splice(index, 0, task);
      state.page.total += 1;
      insertRow(task, index);
    }
    announce(`Task ${task.uid} ${task.status}`);
  }

  function swapRow(task) {
    const row = taskRow(task);
    const old = state.rows.get(task.uid);
    state.rows.set(task.uid, row);
    if (old) old.replaceWith(row);
    flash(row);
  }

  function dropRow(uid) {
    if (state.page.results.length === 0) {
      render();
      return;
    }
    state.rows.get(uid)?.remove();
    state.rows.delete(uid);
    showCount();
    renderPager();
  }

  function insertRow(task, index) {
    const tbody = results.querySelector("tbody");
    if (!tbody) {
      render();
    } else {
      const row = taskRow(task);
      state.rows.set(task.uid, row);
      tbody.insertBefore(row, tbody.children[index] ?? null);
      const rows = state.page.results;
      if (rows.length > LIMIT) {
        const dropped = rows.pop();
        state.page.next = dropped.uid;
        state.rows.get(dropped.uid)?.remove();
        state.rows.delete(dropped.uid);
      }
      showCount();
      renderPager();
    }
    flash(state.rows.get(task.uid));
  }

  const head = h("div", { class: "page-head" }, h("h1", { tabindex: "-1", text: "Tasks" }), count);
  replace(root, head, filterSlot, results);
  replace(filterSlot, filtersForm(state, changed, indexNames));
  load();
  api("indexes", { query: { limit: 200 } })
    .then((list) => replace(indexNames, list.results.map((index) => h("option", { value: index.uid }))))
    .catch(() => {});
  const unsubscribe = ctx.tasks.subscribe(apply, load);
  return () => {
    unsubscribe();
    if (state.controller) state.controller.abort();
  };
}

/** Briefly mark a row that just changed (skipped when the user prefers reduced motion). */
export function flash(row) {
  if (!row) return;
  row.classList.remove("flash");
  void row.offsetWidth;
  row.classList.add("flash");
}
