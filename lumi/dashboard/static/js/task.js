// One task: its facts, its `error` object when it failed, and its `details`, kept live.

import { api } from "./api.js";
import { announce, errorBox, h, jsonBlock, replace } from "./dom.js";
import { formatDuration, isNewer, statusPill, timeCell, typeName } from "./format.js";

function fact(term, ...value) {
  return h("div", { class: "fact" }, h("dt", { text: term }), h("dd", {}, ...value));
}

const orDash = (value) => (value === null || value === undefined ? "—" : value);

function errorSection(error) {
  return h(
    "section",
    { class: "task-error", "aria-labelledby": "task-error-title" },
    h("h2", { id: "task-error-title", text: "Error" }),
    h("p", { class: "task-error-message", text: error.message }),
    h(
      "dl",
      { class: "facts compact" },
      fact("Code", h("code", { text: error.code })),
      fact("Type", error.type),
      error.link ? fact("Link", h("a", { href: error.link, rel: "noreferrer", text: error.link })) : null,
    ),
  );
}

function taskView(task) {
  const batch =
    task.batchUid === null || task.batchUid === undefined
      ? "—"
      : h("a", { href: `#/batches/${task.batchUid}`, text: `Batch ${task.batchUid}` });
  const index = task.indexUid
    ? h("a", { href: `#/indexes/${encodeURIComponent(task.indexUid)}`, text: task.indexUid })
    : "all indexes";
  return [
    h(
      "div",
      { class: "page-head" },
      h("h1", { tabindex: "-1" }, `Task ${task.uid} `, statusPill(task.status)),
      h("p", { class: "page-sub" }, typeName(task.type)),
    ),
    task.error ? errorSection(task.error) : null,
    h(
      "section",
      { class: "card", "aria-labelledby": "task-facts-title" },
      h("h2", { id: "task-facts-title", text: "Summary" }),
      h(
        "dl",
        { class: "facts" },
        fact("Index", index),
        fact("Type", task.type),
        fact("Status", task.status),
        fact("Batch", batch),
        fact("Enqueued", timeCell(task.enqueuedAt)),
        fact("Started", timeCell(task.startedAt)),
        fact("Finished", timeCell(task.finishedAt)),
        fact("Duration", task.duration ? `${formatDuration(task.duration)} (${task.duration})` : "—"),
        fact("Canceled by", orDash(task.canceledBy)),
        task.customMetadata === undefined ? null : fact("Custom metadata", task.customMetadata),
      ),
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "task-details-title" },
      h("h2", { id: "task-details-title", text: "Details" }),
      task.details === undefined
        ? h("p", { class: "muted", text: "This type of task has no details." })
        : jsonBlock(task.details, "Task details as JSON"),
    ),
    h(
      "details",
      { class: "card raw" },
      h("summary", { text: "Task object as returned by the API" }),
      jsonBlock(task, "Task object as JSON"),
    ),
  ];
}

export function mountTask(root, route, ctx) {
  const uid = Number(route.params.uid);
  const back = h("p", { class: "back" }, h("a", { href: "#/tasks", text: "← All tasks" }));
  const body = h("div", { class: "detail", "aria-busy": "true" });
  replace(root, back, body);
  let current = null;
  const controller = new AbortController();

  async function load() {
    try {
      current = await api(`tasks/${uid}`, { signal: controller.signal });
      replace(body, taskView(current));
    } catch (error) {
      if (error.name === "AbortError") return;
      replace(body, h("h1", { tabindex: "-1", text: `Task ${route.params.uid}` }), errorBox(error, load));
    } finally {
      body.removeAttribute("aria-busy");
    }
  }

  load();
  const unsubscribe = ctx.tasks.subscribe((task) => {
    if (task.uid !== uid || (current && !isNewer(current, task))) return;
    current = task;
    replace(body, taskView(task));
    announce(`Task ${uid} ${task.status}`);
  }, load);
  return () => {
    unsubscribe();
    controller.abort();
  };
}
