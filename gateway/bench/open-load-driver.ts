/**
 * The open-model load generator's engine: `connections` keep-alive connections (one undici
 * `Client` each, no pipelining), sends at the times of send-schedule.ts, latency recorded from
 * each send's scheduled time into an HDR histogram (µs), and the generator's own lateness
 * (actual send − scheduled) into another. A send due while every connection is busy is
 * dropped and counted. Connections are taken round-robin, so all of them carry load (as many
 * distinct clients would) and a multi-worker target's SO_REUSEPORT spread sees them all.
 *
 * The driver turns when a response ends (responses are frequent at the rates measured) and on
 * a timer armed for the next due send otherwise (Node's timers have 1 ms steps): no busy
 * loop and no idle wake-ups, so its own CPU stays small. Its lateness is what the timer and
 * the event loop allow, and is reported. Each `run` counts into a state of its own, so an
 * answer to an earlier run (a warm-up's) that comes late never counts in a later one.
 */
import { performance } from "node:perf_hooks";
import { build, type Histogram } from "hdr-histogram-js";
import { Client, type Dispatcher } from "undici";
import { dueAtMs, dueBy, planTurn, sendsInRun } from "./send-schedule.ts";

export interface ConnectionOptions {
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly connections: number;
}

export interface RunOptions {
  readonly ratePerS: number;
  readonly seconds: number;
  /** How long to wait for the answers still out when the schedule has ended, ms. */
  readonly drainMs: number;
}

/** A run's counts, as the generator reports them (open-load.ts's report carries them too). */
export interface RunCounts {
  readonly scheduled: number;
  readonly sent: number;
  readonly dropped: number;
  readonly answered: number;
  /** Failed exchanges (socket errors, resets). */
  readonly errors: number;
  /** Sent, neither answered nor failed when the drain ended. */
  readonly unfinished: number;
  readonly non2xx: number;
  /** From the first scheduled send to the end of the drain, ms. */
  readonly elapsedMs: number;
  /** The generator's own CPU time over that span (user + system, every thread), µs. */
  readonly cpuMicros: number;
}

export interface DriverOutcome extends RunCounts {
  /** µs from the scheduled send time to the end of the response, answered requests only. */
  readonly latency: Histogram;
  /** µs from the scheduled send time to the dispatch: the generator's own lateness. */
  readonly sendLag: Histogram;
}

/** Largest value the histograms hold, µs (10 min): a request outliving the run still counts. */
const HIGHEST_MICROS = 600e6;
const histogram = () =>
  build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_MICROS,
    numberOfSignificantValueDigits: 3,
  });
const micros = (ms: number) => Math.min(HIGHEST_MICROS, Math.max(1, Math.round(ms * 1_000)));

/** One run's schedule and counts. */
class RunState {
  readonly ratePerS: number;
  readonly total: number;
  readonly startMs = performance.now();
  readonly latency = histogram();
  readonly sendLag = histogram();
  readonly counts = { sent: 0, dropped: 0, answered: 0, errors: 0, non2xx: 0 };
  next = 0;

  constructor(options: RunOptions) {
    this.ratePerS = options.ratePerS;
    this.total = sendsInRun(options.ratePerS, options.seconds);
  }

  settle(scheduledAtMs: number, status: number | undefined): void {
    if (status === undefined) {
      this.counts.errors++;
      return;
    }
    this.latency.recordValue(micros(performance.now() - scheduledAtMs));
    this.counts.answered++;
    if (status < 200 || status >= 400) this.counts.non2xx++;
  }
}

export class OpenLoadDriver {
  readonly #clients: Client[];
  readonly #busy: Uint8Array;
  readonly #request: Dispatcher.DispatchOptions;
  #free: number;
  #cursor = 0;
  #run: RunState | undefined;
  #onScheduled: (() => void) | undefined;
  #onDrained: (() => void) | undefined;
  /** Set while a turn dispatches: an exchange that ends synchronously must not start one. */
  #turning = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: ConnectionOptions) {
    const count = Math.max(1, Math.floor(options.connections));
    this.#clients = Array.from(
      { length: count },
      () => new Client(options.origin, { pipelining: 1, keepAliveTimeout: 60_000 }),
    );
    this.#busy = new Uint8Array(count);
    this.#free = count;
    const headers = Object.entries(options.headers).flat();
    this.#request = { method: "GET", path: options.path, headers };
  }

  /** One request on every connection, unmeasured: connections open, the target answering. */
  async connect(): Promise<void> {
    await Promise.all(
      this.#clients.map(async (client) => {
        const answer = await client.request({ ...this.#request });
        await answer.body.dump();
        if (answer.statusCode !== 200)
          throw new Error(`a first request answered ${answer.statusCode}`);
      }),
    );
  }

  async run(options: RunOptions): Promise<DriverOutcome> {
    const cpuBefore = process.cpuUsage();
    const run = new RunState(options);
    this.#run = run;
    await new Promise<void>((resolve) => {
      this.#onScheduled = resolve;
      this.#turn();
    });
    await this.#drain(options.drainMs);
    const elapsedMs = performance.now() - run.startMs;
    const cpu = process.cpuUsage(cpuBefore);
    const { sent, answered, errors } = run.counts;
    return {
      scheduled: run.total,
      ...run.counts,
      unfinished: sent - answered - errors,
      elapsedMs,
      cpuMicros: cpu.user + cpu.system,
      latency: run.latency,
      sendLag: run.sendLag,
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.#timer);
    await Promise.all(this.#clients.map((client) => client.destroy()));
  }

  #turn(): void {
    const run = this.#run;
    if (this.#turning || !run) return;
    this.#turning = true;
    const elapsed = performance.now() - run.startMs;
    const { send, drop } = planTurn(run.next, dueBy(elapsed, run.ratePerS, run.total), this.#free);
    for (let i = 0; i < send; i++) this.#send(run, run.next++);
    run.next += drop;
    run.counts.dropped += drop;
    this.#turning = false;
    this.#arm(run);
  }

  #send(run: RunState, index: number): void {
    const scheduledMs = dueAtMs(index, run.ratePerS);
    run.sendLag.recordValue(micros(performance.now() - run.startMs - scheduledMs));
    const slot = this.#takeConnection();
    run.counts.sent++;
    const handler = new ExchangeHandler(this, run, slot, run.startMs + scheduledMs);
    (this.#clients[slot] as Client).dispatch(this.#request, handler);
  }

  /**
   * The timer for the next due send (a turn on a response's end may come first). A timer
   * already pending is kept: sends only get later, so it is due no later than needed, and
   * re-arming on every turn would cost a timer-list update per response.
   */
  #arm(run: RunState): void {
    if (run.next >= run.total) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      const done = this.#onScheduled;
      this.#onScheduled = undefined;
      done?.();
      return;
    }
    if (this.#timer !== undefined) return;
    const untilMs = dueAtMs(run.next, run.ratePerS) - (performance.now() - run.startMs);
    this.#timer = setTimeout(this.#onTimer, Math.max(1, Math.floor(untilMs)));
  }

  readonly #onTimer = () => {
    this.#timer = undefined;
    this.#turn();
  };

  /** The next free connection after the last one taken (the caller knows one is free). */
  #takeConnection(): number {
    const count = this.#busy.length;
    for (let step = 0; step < count; step++) {
      const slot = (this.#cursor + step) % count;
      if (this.#busy[slot] === 0) {
        this.#busy[slot] = 1;
        this.#free--;
        this.#cursor = slot + 1;
        return slot;
      }
    }
    throw new Error("no free connection although one was counted");
  }

  /** Called by an exchange's handler once, when it ends either way. */
  settle(run: RunState, slot: number, scheduledAtMs: number, status: number | undefined): void {
    this.#busy[slot] = 0;
    this.#free++;
    run.settle(scheduledAtMs, status);
    const current = this.#run;
    // Turn now: a send due since the last turn goes out without waiting for the timer.
    if (current && current.next < current.total) this.#turn();
    else if (this.#free === this.#busy.length) this.#onDrained?.();
  }

  /** Waits until every connection is free again, or `drainMs` has passed. */
  #drain(drainMs: number): Promise<void> {
    if (this.#free === this.#busy.length) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.#onDrained = undefined;
        resolve();
      };
      const timer = setTimeout(finish, drainMs);
      this.#onDrained = finish;
    });
  }
}

/** undici's side of one exchange: the status, the body discarded, the end told to the driver. */
class ExchangeHandler implements Dispatcher.DispatchHandler {
  readonly #driver: OpenLoadDriver;
  readonly #run: RunState;
  readonly #slot: number;
  readonly #scheduledAtMs: number;
  #status: number | undefined;
  #settled = false;

  constructor(driver: OpenLoadDriver, run: RunState, slot: number, scheduledAtMs: number) {
    this.#driver = driver;
    this.#run = run;
    this.#slot = slot;
    this.#scheduledAtMs = scheduledAtMs;
  }

  onRequestStart(): void {}

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    if (statusCode >= 200) this.#status = statusCode;
  }

  onResponseData(): void {}

  onResponseEnd(): void {
    this.#settle(this.#status ?? 0);
  }

  onResponseError(): void {
    this.#settle(undefined);
  }

  #settle(status: number | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#driver.settle(this.#run, this.#slot, this.#scheduledAtMs, status);
  }
}
