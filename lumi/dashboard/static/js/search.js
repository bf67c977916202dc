// The search preview of one index: results as you type, highlighted matches, facet counts
// (with facet values that narrow the results) when the index has filterable attributes.

import { api } from "./api.js";
import { debounce, emptyState, errorBox, h, jsonBlock, replace } from "./dom.js";
import { formatNumber } from "./format.js";

// Highlight tags no document is expected to contain, so matches can be turned into <mark>
// elements without ever parsing document text as HTML.
const PRE = "\uE000";
const POST = "\uE001";
const HITS = 20;
const FIELDS_SHOWN = 8;
const TITLE_FIELDS = ["title", "name", "label", "headline", "subject"];
const TYPING_DELAY_MS = 150;

/** Text with `PRE…POST` spans as `<mark>` elements. */
export function highlighted(text) {
  const fragment = document.createDocumentFragment();
  const parts = String(text).split(PRE);
  fragment.append(parts[0]);
  for (const part of parts.slice(1)) {
    const end = part.indexOf(POST);
    if (end < 0) {
      fragment.append(part);
      continue;
    }
    fragment.append(h("mark", { text: part.slice(0, end) }), part.slice(end + POST.length));
  }
  return fragment;
}

function valueText(value) {
  if (value === null || value === undefined) return "null";
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item !== "object")) return value.join(", ");
  return JSON.stringify(value);
}

function withoutFormatted(hit) {
  const { _formatted, ...rest } = hit;
  return rest;
}

function hitItem(hit, primaryKey) {
  const shown = hit._formatted || hit;
  const titleField = TITLE_FIELDS.find((name) => typeof hit[name] === "string");
  const names = Object.keys(hit).filter(
    (name) => !name.startsWith("_") && name !== titleField && name !== primaryKey,
  );
  const id = primaryKey && primaryKey in hit ? hit[primaryKey] : null;
  const title = titleField ? highlighted(shown[titleField]) : id !== null ? `Document ${id}` : "Document";
  const extra = names.length - FIELDS_SHOWN;
  return h(
    "li",
    { class: "hit" },
    h(
      "div",
      { class: "hit-head" },
      h("h3", { class: "hit-title" }, title),
      id !== null ? h("span", { class: "hit-id" }, `${primaryKey} `, h("code", { text: valueText(id) })) : null,
    ),
    names.length
      ? h(
          "dl",
          { class: "hit-fields" },
          names.slice(0, FIELDS_SHOWN).map((name) => [
            h("dt", { text: name }),
            h("dd", {}, highlighted(valueText(shown[name]))),
          ]),
        )
      : null,
    extra > 0 ? h("p", { class: "muted small", text: `${extra} more ${extra === 1 ? "field" : "fields"}` }) : null,
    h(
      "details",
      { class: "hit-json" },
      h("summary", { text: "JSON" }),
      jsonBlock(withoutFormatted(hit), "Document as JSON"),
    ),
  );
}

/** The names usable in `facets`: filterable attributes given as plain names. */
export function facetNames(settings) {
  const names = [];
  for (const entry of (settings && settings.filterableAttributes) || []) {
    const patterns = typeof entry === "string" ? [entry] : entry.attributePatterns || [];
    for (const pattern of patterns) if (!pattern.includes("*")) names.push(pattern);
  }
  return names;
}

const quote = (value) => `"${String(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

export function searchPanel(indexUid, primaryKey) {
  const state = { facets: [], chosen: new Map(), seq: 0, controller: null };
  const inputId = `search-${indexUid}`;
  const input = h("input", {
    id: inputId,
    type: "search",
    class: "search-input",
    placeholder: "Type to search…",
    autocomplete: "off",
    spellcheck: "false",
    "aria-controls": "search-results",
  });
  const summary = h("p", { class: "search-summary", role: "status", "aria-live": "polite" });
  const facetsSlot = h("div", { class: "facets-slot" });
  const hits = h("div", { id: "search-results", class: "search-results" });
  const layout = h("div", { class: "search-layout" }, facetsSlot, hits);

  // Values chosen within one attribute are alternatives (OR); attributes narrow each other (AND).
  function filter(skip = null) {
    const groups = [];
    for (const [name, values] of state.chosen) {
      if (name !== skip && values.size) groups.push([...values].map((value) => `${name} = ${quote(value)}`));
    }
    return groups.length ? groups : undefined;
  }

  // An attribute with chosen values counts its facets as if none were chosen on it, so its
  // other values stay visible to be added (one extra query per such attribute, no hits).
  async function countsWithoutOwnChoice(path, q, signal) {
    const chosen = [...state.chosen].filter(([, values]) => values.size).map(([name]) => name);
    const answers = await Promise.all(
      chosen.map((name) =>
        api(path, { method: "POST", body: { q, limit: 0, facets: [name], filter: filter(name) }, signal }),
      ),
    );
    return Object.fromEntries(chosen.map((name, i) => [name, answers[i].facetDistribution?.[name] || {}]));
  }

  async function search() {
    if (state.controller) state.controller.abort();
    state.controller = new AbortController();
    const { signal } = state.controller;
    const seq = ++state.seq;
    const q = input.value;
    const path = `indexes/${encodeURIComponent(indexUid)}/search`;
    const body = {
      q,
      limit: HITS,
      attributesToHighlight: ["*"],
      highlightPreTag: PRE,
      highlightPostTag: POST,
      filter: filter(),
    };
    if (state.facets.length) body.facets = state.facets;
    layout.setAttribute("aria-busy", "true");
    try {
      const [answer, ownCounts] = await Promise.all([
        api(path, { method: "POST", body, signal }),
        countsWithoutOwnChoice(path, q, signal),
      ]);
      if (seq !== state.seq) return;
      answer.facetDistribution = { ...answer.facetDistribution, ...ownCounts };
      render(q, answer);
    } catch (error) {
      if (error.name === "AbortError" || seq !== state.seq) return;
      summary.textContent = "";
      replace(hits, errorBox(error, search));
    } finally {
      if (seq === state.seq) layout.removeAttribute("aria-busy");
    }
  }

  function render(q, answer) {
    const total = answer.estimatedTotalHits ?? answer.totalHits ?? answer.hits.length;
    const found = `${formatNumber(total)} ${total === 1 ? "result" : "results"}`;
    const what = q ? ` for “${q}”` : "";
    const time = answer.processingTimeMs !== undefined ? ` in ${answer.processingTimeMs} ms` : "";
    const shown = total > answer.hits.length ? `, the first ${answer.hits.length} shown` : "";
    summary.textContent = `${found}${what}${time}${shown}`;
    renderFacets(answer.facetDistribution || {}, answer.facetStats || {});
    if (answer.hits.length === 0) {
      replace(hits, emptyState(q ? `No documents match “${q}”.` : "This index has no documents yet."));
      return;
    }
    const items = answer.hits.map((hit) => hitItem(hit, primaryKey));
    replace(hits, h("ol", { class: "hits", "aria-label": "Search results" }, items));
  }

  function renderFacets(distribution, stats) {
    const focused = document.activeElement && document.activeElement.dataset.facet;
    const names = Object.keys(distribution);
    if (names.length === 0) {
      replace(facetsSlot);
      layout.classList.remove("with-facets");
      return;
    }
    layout.classList.add("with-facets");
    replace(
      facetsSlot,
      h(
        "aside",
        { class: "facets", "aria-label": "Facets" },
        names.map((name) => facetGroup(name, distribution[name], stats[name])),
      ),
    );
    if (focused) {
      const again = [...facetsSlot.querySelectorAll("input")].find((box) => box.dataset.facet === focused);
      if (again) again.focus();
    }
  }

  function facetGroup(name, counts, stats) {
    const chosen = state.chosen.get(name) || new Set();
    const entries = Object.entries(counts);
    for (const value of chosen) if (!(value in counts)) entries.push([value, 0]);
    return h(
      "fieldset",
      { class: "facet" },
      h("legend", { text: name }),
      entries.map(([value, count]) =>
        h(
          "label",
          { class: "check facet-value" },
          h("input", {
            type: "checkbox",
            checked: chosen.has(value),
            dataset: { facet: JSON.stringify([name, value]) },
            onchange: (event) => toggle(name, value, event.target.checked),
          }),
          h("span", { class: "facet-label", text: value }),
          h("span", { class: "count", text: formatNumber(count) }),
        ),
      ),
      stats ? h("p", { class: "muted small", text: `min ${stats.min} · max ${stats.max}` }) : null,
    );
  }

  function toggle(name, value, on) {
    const values = state.chosen.get(name) || new Set();
    if (on) values.add(value);
    else values.delete(value);
    state.chosen.set(name, values);
    search();
  }

  const typed = debounce(search, TYPING_DELAY_MS);
  input.addEventListener("input", typed);

  const element = h(
    "section",
    { class: "card search", "aria-labelledby": "search-title" },
    h("h2", { id: "search-title", text: "Search preview" }),
    h("label", { for: inputId, class: "visually-hidden", text: `Search ${indexUid}` }),
    h("div", { class: "search-box" }, input),
    summary,
    layout,
  );

  return {
    element,
    /** Set the facets from the index settings and run the current query again. */
    refresh(settings) {
      if (settings) state.facets = facetNames(settings);
      search();
    },
    stop() {
      typed.cancel();
      if (state.controller) state.controller.abort();
    },
  };
}
