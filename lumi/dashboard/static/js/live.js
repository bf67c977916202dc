// One long-lived connection per stream (`/tasks/stream`, `/batches/stream`) shared by every
// view: it reconnects with a growing delay, and tells views when it (re)opens so they can
// reload what they may have missed while it was down.

import { keyChanged, ndjson } from "./api.js";

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A view that throws on one line must not cut the stream for the others.
function safely(fn, ...args) {
  try {
    fn(...args);
  } catch (error) {
    reportError(error);
  }
}

export class Feed {
  constructor(path) {
    this.path = path;
    this.subscribers = new Set();
    this.stateListeners = new Set();
    this.state = "connecting";
    this.started = false;
  }

  /**
   * `onItem(object)` for every line; `onOpen()` each time the stream opens after this call
   * (to reload). Returns the function that unsubscribes.
   */
  subscribe(onItem, onOpen = () => {}) {
    const entry = { onItem, onOpen };
    this.subscribers.add(entry);
    return () => this.subscribers.delete(entry);
  }

  /** `listener(state)` with state `connecting`, `live`, `retrying` or `locked` (needs a key). */
  onState(listener) {
    this.stateListeners.add(listener);
    listener(this.state);
  }

  setState(state) {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }

  start() {
    if (this.started) return;
    this.started = true;
    this.run();
  }

  async run() {
    let delay = FIRST_RETRY_MS;
    for (;;) {
      try {
        const items = ndjson(this.path, {
          onOpen: () => {
            delay = FIRST_RETRY_MS;
            this.setState("live");
            for (const { onOpen } of [...this.subscribers]) safely(onOpen);
          },
        });
        for await (const item of items) {
          for (const { onItem } of [...this.subscribers]) safely(onItem, item);
        }
      } catch (error) {
        if (error.needsKey) {
          this.setState("locked");
          await keyChanged();
          continue;
        }
      }
      this.setState("retrying");
      await sleep(delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    }
  }
}
