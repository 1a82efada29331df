/**
 * Active probes: a GET of `settings.path` to every backend on its own jittered schedule,
 * over an undici dispatcher. Fetch → pure transform → publish (STYLE.md 2): this file does
 * the I/O and the timers; `probeResult` (probe-result.ts) judges each answer and
 * `startOffsetMs` / `nextDelayMs` (probe-schedule.ts) place each probe in time.
 *
 * Clock, random source, timers and transport are injected (STYLE.md 8). `stop()` clears
 * every timer, aborts every probe in flight (their outcome is not published: a probe cut
 * short by us says nothing of the backend) and closes the dispatcher if the prober made it.
 */
import { Agent, buildConnector, type Dispatcher } from "undici";
import {
  type ProbeOutcome,
  type ProbeResult,
  type ProbeTarget,
  type ProbeTls,
  probeResult,
} from "./probe-result.ts";
import { nextDelayMs, startOffsetMs } from "./probe-schedule.ts";
import { type ProbeSettings, resolveProbeSettings } from "./probe-settings.ts";

export type { ProbeResult, ProbeTarget } from "./probe-result.ts";

/** Starts a one-shot timer and returns its handle (setTimeout's contract). */
export type SetTimer = (callback: () => void, delayMs: number) => unknown;
export type ClearTimer = (handle: unknown) => void;

export interface ProberOptions {
  readonly targets: readonly ProbeTarget[];
  /** Overrides of DEFAULT_PROBE_SETTINGS; checked, a RangeError lists every problem. */
  readonly settings?: Partial<ProbeSettings>;
  /** Default: one undici Agent (one keep-alive connection per backend), closed by stop(). */
  readonly dispatcher?: Dispatcher;
  /** Epoch ms, fractional (default: performance.timeOrigin + performance.now(), monotonic). */
  readonly now?: () => number;
  /** Uniform in [0, 1) (default Math.random). */
  readonly random?: () => number;
  /** Default setTimeout, unref'd: probes never keep the process alive. */
  readonly setTimer?: SetTimer;
  /** Default clearTimeout. */
  readonly clearTimer?: ClearTimer;
  /** Called once per finished probe. Must not throw (a throw surfaces as an unhandled rejection). */
  readonly onResult: (result: ProbeResult) => void;
  /** Extra request headers, e.g. `via: 1.1 gw-bue` so a backend knows which gateway asks. */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Prober {
  /** Schedules every target, first probes spread over one interval. Idempotent. */
  start(): void;
  /** Clears the timers, aborts probes in flight and waits for them; final. */
  stop(): Promise<void>;
  /** Kept targets keep their schedule; removed ones stop now (nothing more published); new ones are spread over one interval. */
  setTargets(targets: readonly ProbeTarget[]): void;
}

/** Reading more than this of a health answer's body is pointless: the rest is dropped. */
const MAX_BODY_BYTES = 64 * 1024;
const PROBE_HEADERS = Object.freeze({ "user-agent": "multisite-gateway-probe" });

interface Probed {
  readonly target: ProbeTarget;
  /** False once removed or stopped: nothing of it may be published or scheduled after. */
  live: boolean;
  timer: unknown;
  controller: AbortController | undefined;
  running?: Promise<ProbeOutcome> | undefined;
}

const defaultSetTimer: SetTimer = (callback, delayMs) => setTimeout(callback, delayMs).unref();
const defaultClearTimer: ClearTimer = (handle) => clearTimeout(handle as NodeJS.Timeout);
const epochNow = () => performance.timeOrigin + performance.now();

function targetKey(target: ProbeTarget): string {
  return `${target.siteId}/${target.backend}${target.tls ? `/${target.tls.fingerprint}` : ""}`;
}

/** A backend's host:port as undici's connect options name it (no IPv6 brackets). */
const addressKey = (backend: string) => backend.replace(/^\[([^\]]+)\]/, "$1");

/**
 * One connection per backend; over TLS with the material of the target at that address
 * (`tlsAt`), its certificate verified (rejectUnauthorized), HTTP/1.1.
 */
function probeAgent(
  settings: ProbeSettings,
  tlsAt: (address: string) => ProbeTls | undefined,
): Agent {
  const timeout = settings.timeoutMs;
  const plain = buildConnector({ timeout });
  const secure = new WeakMap<ProbeTls, buildConnector.connector>();
  const connectorFor = (tls: ProbeTls) => {
    let connector = secure.get(tls);
    if (!connector) {
      const { fingerprint: _, ...options } = tls;
      connector = buildConnector({ timeout, rejectUnauthorized: true, ...options });
      secure.set(tls, connector);
    }
    return connector;
  };
  return new Agent({
    connections: 1,
    // Reused connections make a probe one round trip, not a handshake plus one.
    keepAliveTimeout: Math.min(600_000, 2 * settings.intervalMs + settings.timeoutMs),
    connect: (options, callback) => {
      const address = addressKey(`${options.hostname}:${options.port}`);
      const tls = options.protocol === "https:" ? tlsAt(address) : undefined;
      (tls ? connectorFor(tls) : plain)(options, callback);
    },
  });
}

/** Reads the whole body (up to MAX_BODY_BYTES), so that a body cut short is a failure. */
async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  let bytes = 0;
  for await (const chunk of body) {
    bytes += chunk.length;
    if (bytes > MAX_BODY_BYTES) return;
  }
}

export function createProber(options: ProberOptions): Prober {
  const headers = { ...options.headers, ...PROBE_HEADERS };
  const settings = resolveProbeSettings(options.settings);
  const ownsDispatcher = options.dispatcher === undefined;
  const probed = new Map<string, Probed>();
  const tlsAt = (address: string) => {
    for (const entry of probed.values())
      if (entry.target.tls && addressKey(entry.target.backend) === address) return entry.target.tls;
    return undefined;
  };
  const dispatcher = options.dispatcher ?? probeAgent(settings, tlsAt);
  const now = options.now ?? epochNow;
  const random = options.random ?? Math.random;
  const setTimer = options.setTimer ?? defaultSetTimer;
  const clearTimer = options.clearTimer ?? defaultClearTimer;
  let phase: "idle" | "running" | "stopped" = "idle";

  /** The fetch: one GET, timed; never rejects. */
  async function probe(target: ProbeTarget, signal: AbortSignal): Promise<ProbeOutcome> {
    const started = now();
    let status: number | undefined;
    let latencyMs: number | undefined;
    try {
      const response = await dispatcher.request({
        origin: `${target.tls ? "https" : "http"}://${target.backend}`,
        path: settings.path,
        method: "GET",
        headers,
        signal,
      });
      status = response.statusCode;
      latencyMs = now() - started;
      await drain(response.body);
      return { status, latencyMs, at: now() };
    } catch (error) {
      const at = now();
      return { status, error, latencyMs: latencyMs ?? at - started, at };
    }
  }

  function fire(entry: Probed): void {
    entry.timer = undefined;
    const controller = new AbortController();
    // AbortSignal.timeout's contract (a TimeoutError reason), on the injected timer.
    const timeout = setTimer(
      () => controller.abort(new DOMException("probe timed out", "TimeoutError")),
      settings.timeoutMs,
    );
    const running = probe(entry.target, controller.signal).finally(() => clearTimer(timeout));
    entry.controller = controller;
    entry.running = running;
    void running.then((outcome) => {
      entry.controller = undefined;
      entry.running = undefined;
      if (!entry.live) return;
      schedule(entry, nextDelayMs(settings.intervalMs, settings.jitterRatio, random()));
      options.onResult(probeResult(entry.target, outcome, settings.expectedStatus));
    });
  }

  function schedule(entry: Probed, delayMs: number): void {
    entry.timer = setTimer(() => fire(entry), delayMs);
  }

  function scheduleFirst(entries: readonly Probed[]): void {
    for (const [i, entry] of entries.entries()) {
      schedule(entry, startOffsetMs(i, entries.length, settings.intervalMs, random()));
    }
  }

  function retire(entry: Probed): void {
    entry.live = false;
    if (entry.timer !== undefined) clearTimer(entry.timer);
    entry.controller?.abort(new DOMException("probe cancelled", "AbortError"));
  }

  /** Adds the targets not yet known; returns the new entries. */
  function add(targets: readonly ProbeTarget[]): Probed[] {
    const added: Probed[] = [];
    for (const target of targets) {
      const key = targetKey(target);
      if (probed.has(key)) continue;
      const frozen = Object.freeze({
        siteId: target.siteId,
        backend: target.backend,
        ...(target.tls && { tls: target.tls }),
      });
      const entry: Probed = { target: frozen, live: true, timer: undefined, controller: undefined };
      probed.set(key, entry);
      added.push(entry);
    }
    return added;
  }

  add(options.targets);

  return {
    start() {
      if (phase === "stopped") throw new Error("prober: start() after stop()");
      if (phase === "running") return;
      phase = "running";
      scheduleFirst([...probed.values()]);
    },
    setTargets(targets) {
      if (phase === "stopped") return;
      const wanted = new Set(targets.map(targetKey));
      for (const [key, entry] of probed) {
        if (wanted.has(key)) continue;
        retire(entry);
        probed.delete(key);
      }
      const added = add(targets);
      if (phase === "running") scheduleFirst(added);
    },
    async stop() {
      if (phase === "stopped") return;
      phase = "stopped";
      const running = [...probed.values()].map((entry) => {
        retire(entry);
        return entry.running;
      });
      probed.clear();
      await Promise.all(running);
      if (ownsDispatcher) await dispatcher.close();
    },
  };
}
