// Calls to the server's HTTP API with the user's key, and the NDJSON streams.
//
// The page is served at the API's root, so every path is relative to it. When a call answers
// 401 or 403 the user is asked for a key once (concurrent calls share the question), the key
// is kept in sessionStorage for this tab, and the call is retried with it.

const STORAGE_KEY = "lumi.apiKey";
const KEY_EVENT = "lumi:key";
const base = new URL(".", document.baseURI);

/** An error answered by the API (its `message`, `code`, `type`, `link`) or a network failure. */
export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `The server answered with status ${status}.`);
    this.name = "ApiError";
    this.status = status;
    this.code = body && body.code;
    this.type = body && body.type;
    this.link = body && body.link;
  }

  get needsKey() {
    return this.status === 401 || this.status === 403;
  }
}

export function currentKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Store (or with null, forget) the key, and tell whoever waits for one. */
export function storeKey(key) {
  try {
    if (key) sessionStorage.setItem(STORAGE_KEY, key);
    else sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // Storage can be disabled; the key then lasts until the page is reloaded.
  }
  window.dispatchEvent(new CustomEvent(KEY_EVENT));
}

/** Resolves the next time a key is stored or forgotten. */
export function keyChanged() {
  return new Promise((resolve) => window.addEventListener(KEY_EVENT, resolve, { once: true }));
}

let askForKey = async () => false;
let pendingQuestion = null;

/** Install the function that asks the user for a key; it resolves true once one is stored. */
export function onKeyNeeded(ask) {
  askForKey = ask;
}

async function retryWithNewKey(error, usedKey) {
  if (currentKey() !== usedKey) return true; // another call already obtained a new key
  if (!pendingQuestion) {
    pendingQuestion = askForKey(error).finally(() => {
      pendingQuestion = null;
    });
  }
  return pendingQuestion;
}

/** The absolute URL of an API path with its query (null, undefined and "" values dropped). */
export function apiUrl(path, query = {}) {
  const url = new URL(path.replace(/^\//, ""), base);
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  return url;
}

async function errorBody(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

async function send(path, { method = "GET", query, body, signal } = {}) {
  for (;;) {
    const key = currentKey();
    const headers = {};
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(apiUrl(path, query), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: "no-store",
      });
    } catch (err) {
      if (err.name === "AbortError") throw err;
      throw new ApiError(0, { message: `Cannot reach the server at ${base.origin}.` });
    }
    if (response.ok) return response;
    const error = new ApiError(response.status, await errorBody(response));
    if (error.needsKey && (await retryWithNewKey(error, key))) continue;
    throw error;
  }
}

/** Call the API and return its JSON answer; throws `ApiError`. */
export async function api(path, options) {
  const response = await send(path, options);
  return response.status === 204 ? null : response.json();
}

/**
 * Open an NDJSON stream. `onOpen` runs once the server accepted it; the iterator then yields
 * one parsed object per line until the server closes the stream or `signal` aborts it.
 */
export async function* ndjson(path, { signal, onOpen } = {}) {
  const response = await send(path, { signal });
  if (onOpen) onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end = buffer.indexOf("\n");
      while (end >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) yield JSON.parse(line);
        end = buffer.indexOf("\n");
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
