/**
 * The place of record, watched: one stale blocking query per control datacenter on the fleet
 * prefix (fleet-read.ts), sent to the local agent, which forwards it over the WAN. Each
 * datacenter's last visible content is kept; whether each is readable *now* is reported
 * (an answer with the sentinel: yes; a 403, an answer without the sentinel, a failure: no,
 * with the reason). A failing query retries at index 0 as soon as a `status/leader` probe says
 * the datacenter answers again (blocking-loop.ts), so the first good answer comes within about
 * `recoveryProbeMs` of the control plane's return.
 */
import { blockingLoop } from "../../../health/consul/blocking-loop.ts";
import { type ConsulHttp, datacenterAnswers } from "../../../health/consul/consul-http.ts";
import type { FleetContent } from "./fleet-document.ts";
import { FleetDeniedError, type FleetView, fleetPrefixQuery } from "./fleet-read.ts";

export interface ControlDatacenterStatus {
  readonly datacenter: string;
  /** The last answer (or failure) let this gateway read the prefix. */
  readonly readable: boolean;
  /** Why not, while not readable. */
  readonly reason?: string;
  readonly lastAnswerAtMs?: number;
  readonly lastReadableAtMs?: number;
  readonly knownLeader?: boolean;
  readonly consecutiveErrors: number;
}

export interface FleetWatchOptions {
  readonly http: ConsulHttp;
  readonly prefix: string;
  readonly datacenters: readonly string[];
  readonly waitMs: number;
  readonly recoveryProbeMs: number;
  readonly now: () => number;
  /** Told of each datacenter's visible content when it changes. */
  readonly onContent: (datacenter: string, content: FleetContent) => void;
  /** Told whenever a datacenter's readability or reason changes. */
  readonly onStatus?: (status: ControlDatacenterStatus) => void;
}

export interface FleetWatch {
  status(): readonly ControlDatacenterStatus[];
  /** The last visible content of each datacenter that ever had one. */
  contents(): ReadonlyMap<string, FleetContent>;
  stop(): Promise<void>;
}

export function watchFleet(options: FleetWatchOptions): FleetWatch {
  const controller = new AbortController();
  const statuses = new Map<string, ControlDatacenterStatus>();
  const contents = new Map<string, FleetContent>();
  const loops = options.datacenters.map((dc) => {
    statuses.set(dc, {
      datacenter: dc,
      readable: false,
      reason: "no answer yet",
      consecutiveErrors: 0,
    });
    const tell = (change: Partial<ControlDatacenterStatus>) => {
      const before = statuses.get(dc) as ControlDatacenterStatus;
      const after = { ...before, ...change };
      statuses.set(dc, after);
      if (before.readable !== after.readable || before.reason !== after.reason)
        options.onStatus?.(after);
    };
    return blockingLoop<FleetView>({
      query: fleetPrefixQuery(options.http, options.prefix, dc, options.waitMs),
      onAnswer: (answer) => {
        const at = options.now();
        const visible = answer.body.visible;
        tell({
          readable: visible,
          reason: answer.body.visible ? undefined : answer.body.reason,
          lastAnswerAtMs: at,
          ...(visible && { lastReadableAtMs: at }),
          knownLeader: answer.knownLeader,
          consecutiveErrors: 0,
        });
      },
      onChange: (view) => {
        if (!view.visible) return;
        contents.set(dc, view.content);
        options.onContent(dc, view.content);
      },
      onError: (error, failures) =>
        tell({
          readable: false,
          reason:
            error instanceof FleetDeniedError
              ? error.message
              : `unreachable: ${(error as Error)?.message ?? String(error)}`,
          consecutiveErrors: failures,
        }),
      recovery: {
        probe: (signal) => datacenterAnswers(options.http, dc, signal),
        intervalMs: options.recoveryProbeMs,
      },
      signal: controller.signal,
    });
  });
  return {
    status: () => [...statuses.values()],
    contents: () => contents,
    stop: async () => {
      controller.abort();
      await Promise.all(loops);
    },
  };
}
