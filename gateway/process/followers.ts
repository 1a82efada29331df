/**
 * The control plane's side of its data planes: every change of the routing state goes to each
 * of them in order (the full state first), each says which version it applied, and an ops
 * override can wait until every one of them has it. Questions (metrics, upstream views,
 * explain) are asked of all and answered within a deadline. A data plane that is gone
 * (its worker died) leaves the set: its replacement starts from the full state before it
 * serves, so it cannot lag.
 */
import type { Observation } from "../forward/observation.ts";
import type { RoutingState } from "../state/routing-state.ts";
import type { Channel, Question, ToControl, ToData } from "./link.ts";

export interface FollowerHooks {
  onObservations?(member: number, batch: readonly Observation[]): void;
  onListening?(member: number, url: string): void;
  onDrained?(member: number, inFlightLeft: number): void;
  onLeave?(member: number): void;
}

/** Who a data plane is, for logs and /sites: its worker index and process id when it has one. */
export interface MemberLabel {
  readonly worker?: number;
  readonly pid?: number;
}

interface Member {
  readonly channel: Channel<ToData, ToControl>;
  readonly label: MemberLabel;
  applied: number;
  load: Readonly<Record<string, number>>;
  url?: string;
  tlsUrl?: string;
}

interface PendingAsk {
  readonly waiting: Set<number>;
  readonly answers: unknown[];
  readonly done: () => void;
}

/** Some data planes did not confirm a state version in time. */
export class NotConfirmedError extends Error {
  readonly pending: readonly number[];
  constructor(version: number, pending: readonly number[], total: number) {
    super(
      `${pending.length} of ${total} worker(s) did not confirm snapshot ${version} in time (worker ids ${pending.join(", ")})`,
    );
    this.pending = pending;
  }
}

export class Followers {
  readonly #state: RoutingState;
  readonly #hooks: FollowerHooks;
  readonly #members = new Map<number, Member>();
  readonly #asks = new Map<number, PendingAsk>();
  /** Re-checked on every confirmation, arrival at a listener, and departure. */
  readonly #waiters = new Set<() => void>();
  /** Messages a new member gets before the full state (TLS material: before it serves). */
  #preamble: () => readonly ToData[] = () => [];
  #nextMember = 1;
  #nextAsk = 1;

  constructor(state: RoutingState, hooks: FollowerHooks = {}) {
    this.#state = state;
    this.#hooks = hooks;
    state.subscribe((snapshot, change) =>
      this.send({ kind: "state", version: snapshot.version, change }),
    );
  }

  /** What every data plane added from now on is sent first, before the full state. */
  setPreamble(preamble: () => readonly ToData[]): void {
    this.#preamble = preamble;
  }

  /** Adds a data plane: it is sent the preamble and the full state now. Returns its member id. */
  add(channel: Channel<ToData, ToControl>, label: MemberLabel = {}): number {
    const id = this.#nextMember++;
    const member: Member = { channel, label, applied: 0, load: {} };
    this.#members.set(id, member);
    channel.onMessage((message) => this.#receive(id, member, message));
    channel.onClose(() => this.#leave(id));
    for (const message of this.#preamble()) channel.send(message);
    const { snapshot, inputs } = this.#state;
    channel.send({ kind: "init", version: snapshot.version, inputs });
    return id;
  }

  get size(): number {
    return this.#members.size;
  }

  /** Each data plane: who it is, the snapshot version it serves, whether it listens. */
  members(): {
    id: number;
    worker?: number;
    pid?: number;
    snapshotVersion: number;
    listening: boolean;
  }[] {
    return [...this.#members].map(([id, m]) => ({
      id,
      ...m.label,
      snapshotVersion: m.applied,
      listening: m.url !== undefined,
    }));
  }

  /** Data-plane URLs of the members that listen. */
  listening(): string[] {
    return [...this.#members.values()].flatMap((m) => (m.url ? [m.url] : []));
  }

  /** TLS listener URLs of the members that listen on one. */
  listeningTls(): string[] {
    return [...this.#members.values()].flatMap((m) => (m.tlsUrl ? [m.tlsUrl] : []));
  }

  send(message: ToData): void {
    for (const member of this.#members.values()) member.channel.send(message);
  }

  /** Requests in flight per site, summed over the data planes' latest reports. */
  load(): Map<string, number> {
    const sum = new Map<string, number>();
    for (const member of this.#members.values())
      for (const [site, n] of Object.entries(member.load)) sum.set(site, (sum.get(site) ?? 0) + n);
    return sum;
  }

  /**
   * Resolves once `count` data planes listen; rejects past `timeoutMs`, or as soon as
   * `failed()` says the start cannot succeed any more.
   */
  listeningCount(
    count: number,
    timeoutMs: number,
    failed: () => string | undefined,
  ): Promise<void> {
    return this.#until(
      () => {
        const failure = failed();
        if (failure !== undefined) return new Error(failure);
        return this.listening().length >= count;
      },
      timeoutMs,
      () =>
        new Error(
          `${this.listening().length} of ${count} worker(s) listened within ${timeoutMs} ms`,
        ),
    );
  }

  /** Re-runs the start's checks (the supervisor calls it when a worker exits). */
  recheck(): void {
    for (const check of [...this.#waiters]) check();
  }

  /** Resolves once every data plane has applied `version` (or a later one). */
  confirm(version: number, timeoutMs: number): Promise<void> {
    const pending = () =>
      [...this.#members].filter(([, m]) => m.applied < version).map(([id]) => id);
    return this.#until(
      () => pending().length === 0,
      timeoutMs,
      () => new NotConfirmedError(version, pending(), this.#members.size),
    );
  }

  /**
   * Resolves when `done()` says true, rejects when it returns an error or past `timeoutMs`
   * (with `late()`'s error); `done` is asked now and at every confirmation, arrival at a
   * listener and departure.
   */
  #until(done: () => boolean | Error, timeoutMs: number, late: () => Error): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const outcome = done();
        if (outcome === false) return;
        finish();
        if (outcome === true) resolve();
        else reject(outcome);
      };
      const timer = setTimeout(() => {
        finish();
        reject(late());
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Every data plane's answer to `question` that came within `timeoutMs`. */
  ask(question: Question, timeoutMs: number): Promise<{ answers: unknown[]; missing: number }> {
    const id = this.#nextAsk++;
    return new Promise((resolve) => {
      const waiting = new Set(this.#members.keys());
      const answers: unknown[] = [];
      const done = () => {
        clearTimeout(timer);
        this.#asks.delete(id);
        resolve({ answers, missing: waiting.size });
      };
      const timer = setTimeout(done, timeoutMs);
      this.#asks.set(id, { waiting, answers, done });
      if (waiting.size === 0) return done();
      for (const member of waiting)
        this.#members.get(member)?.channel.send({ kind: "ask", id, question });
    });
  }

  #receive(id: number, member: Member, message: ToControl): void {
    switch (message.kind) {
      case "applied":
        member.applied = Math.max(member.applied, message.version);
        this.recheck();
        return;
      case "observations":
        member.load = message.load;
        if (message.batch.length > 0) this.#hooks.onObservations?.(id, message.batch);
        return;
      case "listening":
        member.url = message.url;
        if (message.tlsUrl) member.tlsUrl = message.tlsUrl;
        this.#hooks.onListening?.(id, message.url);
        this.recheck();
        return;
      case "answer":
        this.#answered(id, message.id, message.error === undefined ? message.answer : undefined);
        return;
      case "drained":
        this.#hooks.onDrained?.(id, message.inFlightLeft);
        return;
    }
  }

  #answered(member: number, askId: number, answer: unknown): void {
    const ask = this.#asks.get(askId);
    if (!ask?.waiting.delete(member)) return;
    if (answer !== undefined) ask.answers.push(answer);
    if (ask.waiting.size === 0) ask.done();
  }

  #leave(id: number): void {
    if (!this.#members.delete(id)) return;
    // A question still waiting only on members that are gone is done: they stay counted missing.
    for (const ask of [...this.#asks.values()])
      if ([...ask.waiting].every((member) => !this.#members.has(member))) ask.done();
    this.#hooks.onLeave?.(id);
    this.recheck();
  }
}
