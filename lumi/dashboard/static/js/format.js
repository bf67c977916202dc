// Turning API values (RFC 3339 dates, ISO 8601 durations, status names) into readable text.

import { h } from "./dom.js";

export const STATUSES = ["enqueued", "processing", "succeeded", "failed", "canceled"];

export const TASK_TYPES = [
  "documentAdditionOrUpdate",
  "documentEdition",
  "documentDeletion",
  "settingsUpdate",
  "indexCreation",
  "indexDeletion",
  "indexUpdate",
  "indexSwap",
  "taskCancelation",
  "taskDeletion",
  "dumpCreation",
  "snapshotCreation",
  "export",
  "upgradeDatabase",
  "indexCompaction",
  "networkTopologyChange",
  "dsrUpdate",
  "dsrClear",
];

const STATUS_RANK = { enqueued: 0, processing: 1, succeeded: 2, failed: 2, canceled: 2 };

/** Whether `next` may replace `current`: a task never goes back from a later status. */
export function isNewer(current, next) {
  return (STATUS_RANK[next.status] ?? 0) >= (STATUS_RANK[current.status] ?? 0);
}

const todayFormat = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const dayFormat = new Intl.DateTimeFormat(undefined, {
  month: "short",
  day: "numeric",
  hour: "numeric",
  minute: "2-digit",
});
const yearFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium" });

/** The shortest readable form: the time with seconds today, the day and minute this year. */
export function shortDate(date, now = new Date()) {
  if (date.toDateString() === now.toDateString()) return todayFormat.format(date);
  if (date.getFullYear() === now.getFullYear()) return dayFormat.format(date);
  return yearFormat.format(date);
}

/** A `<time>` element for an RFC 3339 timestamp (exact value on hover), or a dash. */
export function timeCell(iso) {
  if (!iso) return h("span", { class: "muted", "aria-label": "not yet", text: "—" });
  return h("time", { datetime: iso, title: iso, text: shortDate(new Date(iso)) });
}

const DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Seconds in an ISO 8601 duration such as `PT0.0012S`, or null when it does not parse. */
export function durationSeconds(iso) {
  const match = iso ? DURATION.exec(iso) : null;
  if (!match) return null;
  const [, days, hours, minutes, seconds] = match;
  return (+days || 0) * 86400 + (+hours || 0) * 3600 + (+minutes || 0) * 60 + (+seconds || 0);
}

/** `PT0.119768193S` → `120 ms`; `PT75.2S` → `1 min 15 s`. */
export function formatDuration(iso) {
  const total = durationSeconds(iso);
  if (total === null) return iso || "—";
  if (total < 1) return `${Math.max(Math.round(total * 1000), total > 0 ? 1 : 0)} ms`;
  if (total < 60) return `${total.toFixed(total < 10 ? 2 : 1)} s`;
  const minutes = Math.floor(total / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(total % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const numberFormat = new Intl.NumberFormat();

export function formatNumber(n) {
  return typeof n === "number" ? numberFormat.format(n) : "—";
}

/** A coloured status pill; the text stays the API's word so it can be searched and filtered. */
export function statusPill(status, count) {
  return h(
    "span",
    { class: `pill status-${status}`, dataset: { status } },
    h("span", { class: "pill-dot", "aria-hidden": "true" }),
    count === undefined ? status : `${count} ${status}`,
  );
}

/** A task type as the API spells it, with line-break opportunities between its words. */
export function typeName(type) {
  const span = h("span", { class: "type" });
  type.split(/(?=[A-Z])/).forEach((word, i) => {
    if (i) span.append(h("wbr"));
    span.append(word);
  });
  return span;
}
