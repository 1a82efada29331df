/**
 * The client leaving, told to the one try in flight. An AbortSignal would do, but its
 * EventTarget listeners (add, then remove, on every try) showed up in the proxy benchmark's
 * profile; a request makes one try at a time, so one watcher slot is enough.
 */
export class ClientGone {
  #reason: Error | undefined;
  #watcher: ((reason: Error) => void) | undefined;

  get gone(): boolean {
    return this.#reason !== undefined;
  }

  /** Why the client is gone (undefined while it is still there). */
  get reason(): Error | undefined {
    return this.#reason;
  }

  /** Marks the client gone and tells the watcher, once. */
  leave(reason: Error = new Error("client went away")): void {
    if (this.#reason) return;
    this.#reason = reason;
    const watcher = this.#watcher;
    this.#watcher = undefined;
    watcher?.(reason);
  }

  /** Calls `watcher` when the client leaves (now, if it already has); replaces any other. */
  watch(watcher: (reason: Error) => void): void {
    if (this.#reason) watcher(this.#reason);
    else this.#watcher = watcher;
  }

  /** Stops calling `watcher`, if it is still the one watching. */
  unwatch(watcher: (reason: Error) => void): void {
    if (this.#watcher === watcher) this.#watcher = undefined;
  }
}
