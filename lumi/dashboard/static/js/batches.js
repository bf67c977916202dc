// The Batches page: each batch with its status counts, a progress bar while it runs, its
// duration and stats once done, and its tasks one click away; live from the batch stream.

import { api } from "./api.js";
import { announce, emptyState, errorBox, h, hashFor, jsonBlock, replace } from "./dom.js";
import { formatDuration, formatNumber, statusPill, timeCell, typeName } from "./format.js";
import { cursorPager } from "./pager.js";
import { flash, taskRow, taskTable } from "./tasks.js";

const LIMIT = 10;
const TASKS_SHOWN = 100;

const running = (batch) => batch.progress !== null && batch.progress !== undefined;

function fact(term, ...value) {
  return h("div", { class: "fact" }, h("dt", { text: term }), h("dd", {}, ...value));
}

function statusPills(batch) {
  const counts = Object.entries(batch.stats.status || {});
  return h(
    "div",
    { class: "pills" },
    counts.map(([status, count]) => statusPill(status, count)),
  );
}

function stepText(step) {
  const counts = step.total > 1 ? ` (${formatNumber(step.finished)} / ${formatNumber(step.total)})` : "";
  return `${step.currentStep}${counts}`;
}

function progressBlock(batch) {
  if (!running(batch)) return null;
  const { steps = [], percentage = 0 } = batch.progress;
  const id = `batch-${batch.uid}-progress`;
  const label = steps.length ? steps.map(stepText).join(" › ") : "Starting…";
  const rounded = Math.round(percentage);
  return h(
    "div",
    { class: "progress-block" },
    h(
      "div",
      { class: "progress-label" },
      h("label", { for: id, text: label }),
      h("span", { class: "progress-value", text: `${rounded}%` }),
    ),
    h("progress", { id, max: "100", value: String(percentage), text: `${rounded}%` }),
  );
}

function countList(counts, link) {
  const entries = Object.entries(counts || {});
  if (entries.length === 0) return "—";
  return h(
    "ul",
    { class: "inline-list" },
    entries.map(([name, n]) =>
      h(
        "li",
        {},
        link ? link(name) : typeName(name),
        h("span", { class: "count", "aria-label": `${n} ${n === 1 ? "task" : "tasks"}`, text: formatNumber(n) }),
      ),
    ),
  );
}

const indexLink = (uid) => h("a", { href: `#/indexes/${encodeURIComponent(uid)}`, text: uid });

function batchFacts(batch) {
  return h(
    "dl",
    { class: "facts grid" },
    fact("Started", timeCell(batch.startedAt)),
    fact("Finished", timeCell(batch.finishedAt)),
    fact("Duration", batch.duration ? formatDuration(batch.duration) : running(batch) ? "running" : "—"),
    fact("Tasks", formatNumber(batch.stats.totalNbTasks)),
    fact("Types", countList(batch.stats.types)),
    fact("Indexes", countList(batch.stats.indexUids, indexLink)),
    fact("Strategy", h("span", { class: "strategy", text: batch.batchStrategy || "—" })),
  );
}

/** A batch card that can be refreshed in place (its open sections stay open). */
function batchCard(batch, { open = false, heading = "h2" } = {}) {
  const title =
    heading === "h1"
      ? h("h1", { tabindex: "-1", text: `Batch ${batch.uid}` })
      : h("h2", {}, h("a", { href: `#/batches/${batch.uid}`, text: `Batch ${batch.uid}` }));
  const pills = h("div", {});
  const progressSlot = h("div", {});
  const factsSlot = h("div", {});
  const tasksBody = h("div", { class: "batch-tasks-body" });
  const tasksSummary = h("summary", {});
  const statsBody = h("div", {});
  let current = batch;
  let tasksLoaded = false;

  async function loadTasks() {
    tasksLoaded = true;
    try {
      const page = await api("tasks", { query: { batchUids: current.uid, limit: TASKS_SHOWN } });
      const more =
        page.total > page.results.length
          ? h(
              "p",
              {},
              h("a", { href: hashFor("/tasks", { batchUids: current.uid }), text: `All ${page.total} tasks` }),
            )
          : null;
      replace(tasksBody, taskTable(`Tasks of batch ${current.uid}`, page.results.map(taskRow)), more);
    } catch (error) {
      replace(tasksBody, errorBox(error, loadTasks));
    }
  }

  const tasksDetails = h(
    "details",
    {
      class: "batch-tasks",
      open,
      ontoggle: (event) => {
        if (event.target.open && !tasksLoaded) loadTasks();
      },
    },
    tasksSummary,
    tasksBody,
  );
  const card = h(
    "article",
    { class: "card batch", dataset: { uid: batch.uid }, "aria-labelledby": `batch-${batch.uid}-title` },
    h("header", { class: "batch-head" }, title, pills),
    progressSlot,
    factsSlot,
    tasksDetails,
    h("details", { class: "batch-stats" }, h("summary", { text: "Details and stats (JSON)" }), statsBody),
  );
  title.id = `batch-${batch.uid}-title`;

  function update(next) {
    if (next !== current && !running(current) && running(next)) return; // an older report
    const finishing = running(current) && !running(next);
    current = next;
    card.dataset.state = running(next) ? "running" : "done";
    replace(pills, statusPills(next));
    replace(progressSlot, progressBlock(next));
    replace(factsSlot, batchFacts(next));
    replace(tasksSummary, `Tasks (${formatNumber(next.stats.totalNbTasks)})`);
    const raw = { details: next.details, stats: next.stats };
    replace(statsBody, jsonBlock(raw, `Batch ${next.uid} details and stats`));
    if (finishing && tasksDetails.open) loadTasks();
    else if (finishing) tasksLoaded = false;
  }

  update(batch);
  if (open) loadTasks();
  return { card, update, get batch() { return current; } };
}

function batchesPage(root, route, ctx) {
  const state = {
    from: route.query.from !== undefined ? Number(route.query.from) : null,
    page: null,
    queue: null, // stream lines that arrive while a page loads, applied once it is shown
    cards: new Map(),
  };
  const count = h("p", { class: "page-sub" });
  const list = h("div", { class: "batch-list" });
  const pagerSlot = h("div", {});
  const results = h("div", { class: "results" }, list, pagerSlot);
  let controller = null;

  function go(from) {
    state.from = from;
    ctx.setHash(hashFor("/batches", { from }));
    load().then(() => root.querySelector("h1").focus());
  }

  async function load() {
    if (controller) controller.abort();
    controller = new AbortController();
    const { signal } = controller;
    state.queue = [];
    try {
      const page = await api("batches", { query: { from: state.from, limit: LIMIT }, signal });
      if (signal.aborted) return;
      state.page = page;
      render();
      const queued = state.queue;
      state.queue = null;
      for (const batch of queued) apply(batch);
    } catch (error) {
      if (error.name === "AbortError") return;
      state.queue = null;
      replace(results, errorBox(error, load));
    }
  }

  function render() {
    const { page } = state;
    count.textContent = `${formatNumber(page.total)} ${page.total === 1 ? "batch" : "batches"}`;
    state.cards = new Map(page.results.map((batch) => [batch.uid, batchCard(batch)]));
    if (page.results.length === 0) {
      replace(
        results,
        emptyState(
          "No batches yet.",
          h("p", { text: "Tasks are processed in batches; each one appears here as soon as it starts." }),
        ),
      );
      return;
    }
    replace(list, [...state.cards.values()].map((entry) => entry.card));
    replace(results, list, pagerSlot);
    replace(
      pagerSlot,
      cursorPager({
        path: "batches",
        filters: {},
        page,
        atNewest: state.from === null,
        nouns: ["batch", "batches"],
        go,
        onError: (error) => replace(results, errorBox(error, load)),
      }),
    );
  }

  function apply(batch) {
    if (state.queue) {
      state.queue.push(batch);
      return;
    }
    if (!state.page) return;
    const known = state.cards.get(batch.uid);
    if (known) {
      known.update(batch);
      if (!running(batch)) announce(`Batch ${batch.uid} finished`);
      return;
    }
    const rows = state.page.results;
    if (state.from !== null || (rows[0] && batch.uid < rows[0].uid)) return;
    rows.unshift(batch);
    state.page.total += 1;
    if (rows.length > LIMIT) state.page.next = rows.pop().uid;
    render();
    flash(state.cards.get(batch.uid).card);
    announce(`Batch ${batch.uid} ${running(batch) ? "started" : "finished"}`);
  }

  replace(root, h("div", { class: "page-head" }, h("h1", { tabindex: "-1", text: "Batches" }), count), results);
  load();
  const unsubscribe = ctx.batches.subscribe(apply, load);
  return () => {
    unsubscribe();
    if (controller) controller.abort();
  };
}

function batchPage(root, route, ctx) {
  const uid = Number(route.params.uid);
  const body = h("div", { class: "detail" });
  const controller = new AbortController();
  let entry = null;
  replace(root, h("p", { class: "back" }, h("a", { href: "#/batches", text: "← All batches" })), body);

  async function load() {
    try {
      const batch = await api(`batches/${uid}`, { signal: controller.signal });
      entry = batchCard(batch, { open: true, heading: "h1" });
      replace(body, entry.card);
    } catch (error) {
      if (error.name !== "AbortError") {
        replace(body, h("h1", { tabindex: "-1", text: `Batch ${route.params.uid}` }), errorBox(error, load));
      }
    }
  }

  load();
  const unsubscribe = ctx.batches.subscribe((batch) => {
    if (entry && batch.uid === uid) entry.update(batch);
  }, load);
  return () => {
    unsubscribe();
    controller.abort();
  };
}

export function mountBatches(root, route, ctx) {
  return route.params.uid === undefined ? batchesPage(root, route, ctx) : batchPage(root, route, ctx);
}
