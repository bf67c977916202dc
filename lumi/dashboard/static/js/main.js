// Entry point: the hash router, the shared live feeds, and the header (sections, live state,
// API key). Each view is `mount(root, route, ctx)` returning the function that stops it.

import { setupKeyDialog } from "./auth.js";
import { mountBatches } from "./batches.js";
import { emptyState, h, hashQuery } from "./dom.js";
import { mountIndexes } from "./indexes.js";
import { Feed } from "./live.js";
import { mountTask } from "./task.js";
import { mountTasks } from "./tasks.js";

const ROUTES = [
  { pattern: /^\/?$/, section: "tasks", title: "Tasks", mount: mountTasks },
  { pattern: /^\/tasks$/, section: "tasks", title: "Tasks", mount: mountTasks },
  { pattern: /^\/tasks\/(?<uid>\d+)$/, section: "tasks", title: "Task", mount: mountTask },
  { pattern: /^\/batches$/, section: "batches", title: "Batches", mount: mountBatches },
  { pattern: /^\/batches\/(?<uid>\d+)$/, section: "batches", title: "Batch", mount: mountBatches },
  { pattern: /^\/indexes$/, section: "indexes", title: "Indexes", mount: mountIndexes },
  { pattern: /^\/indexes\/(?<uid>[^/]+)$/, section: "indexes", title: "Index", mount: mountIndexes },
];

const LIVE_TEXT = {
  connecting: "Connecting…",
  live: "Live",
  retrying: "Reconnecting…",
  locked: "Needs an API key",
};

const main = document.getElementById("main");
const feeds = { tasks: new Feed("tasks/stream"), batches: new Feed("batches/stream") };
let stopView = null;
let quietHash = null;
let firstRender = true;
let headingWatch = null;

const ctx = {
  ...feeds,
  /** Record a view's own state (filters, page) in the URL without mounting it again. */
  setHash(hash) {
    if (hash === location.hash || (hash === "#/tasks" && location.hash === "")) return;
    quietHash = hash;
    location.hash = hash;
  },
};

function currentRoute() {
  const raw = location.hash.replace(/^#/, "");
  const cut = raw.indexOf("?");
  const path = cut < 0 ? raw : raw.slice(0, cut);
  const query = hashQuery(cut < 0 ? "" : raw.slice(cut + 1));
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) {
      const params = {};
      for (const [name, value] of Object.entries(match.groups || {})) params[name] = decodeURIComponent(value);
      return { ...route, params, query };
    }
  }
  return null;
}

function notFound(root) {
  root.replaceChildren(
    h("h1", { tabindex: "-1", text: "Page not found" }),
    emptyState("There is nothing at this address.", h("a", { href: "#/tasks", text: "Go to the tasks" })),
  );
}

function render() {
  stopHeadingWatch();
  if (stopView) stopView();
  stopView = null;
  const route = currentRoute();
  main.replaceChildren();
  if (route) stopView = route.mount(main, route, ctx) || null;
  else notFound(main);
  const section = route ? route.section : null;
  for (const link of document.querySelectorAll(".mainnav a")) {
    if (link.dataset.section === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const detail = route && route.params.uid !== undefined ? ` ${route.params.uid}` : "";
  document.title = `${route ? route.title : "Not found"}${detail} · Lumi`;
  if (!firstRender) focusHeading();
  firstRender = false;
}

// After a navigation, start keyboard and screen-reader users at the new page's heading, or
// where it will be once the page's data has arrived (unless they have moved on meanwhile).
function focusHeading() {
  const heading = main.querySelector("h1");
  if (heading) {
    heading.focus();
    return;
  }
  main.focus();
  headingWatch = new MutationObserver(() => {
    const late = main.querySelector("h1");
    if (!late) return;
    stopHeadingWatch();
    if (document.activeElement === main) late.focus();
  });
  headingWatch.observe(main, { childList: true, subtree: true });
}

function stopHeadingWatch() {
  if (headingWatch) headingWatch.disconnect();
  headingWatch = null;
}

window.addEventListener("hashchange", () => {
  const quiet = location.hash === quietHash;
  quietHash = null;
  if (!quiet) render();
});

const liveStatus = document.getElementById("live-status");
feeds.tasks.onState((state) => {
  liveStatus.dataset.state = state;
  liveStatus.querySelector(".live-text").textContent = LIVE_TEXT[state];
});

setupKeyDialog(render);
feeds.tasks.start();
feeds.batches.start();
render();
