/**
 * What the control plane and its data planes say to each other: the control state one way,
 * observations and answers the other. In a served gateway the two ends are the cluster
 * primary and its workers (Node's IPC channel, structured clone); in tests and the demo world
 * they are two objects in one process (`directLink`). Both run the same code on each end.
 *
 * Ordering: a channel delivers in order, so a data plane applies state changes in the order
 * its control plane made them; the first messages on a channel are the TLS material, then the
 * full state.
 */
import type { ExplainQuery } from "../admin/explain-answer.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import type { Observation } from "../forward/observation.ts";
import type { InputsChange, RoutingInputs } from "../state/routing-state.ts";
import type { TlsMessage } from "../tls/tls-material.ts";

/** Questions the control plane asks its data planes (the admin API's reads). */
export type Question =
  | { readonly what: "metrics" }
  | { readonly what: "upstreams" }
  /** The GeoIP database a data plane reads (null: none), its refused reloads and failures. */
  | { readonly what: "geoip" }
  | ({ readonly what: "explain" } & ExplainQuery);

export type ToData =
  | { readonly kind: "init"; readonly version: number; readonly inputs: RoutingInputs }
  /** Certificates, ticket keys, upstream TLS: sent before `init`, then on every change. */
  | TlsMessage
  | { readonly kind: "state"; readonly version: number; readonly change: InputsChange }
  | { readonly kind: "geoip-reload" }
  /** Graceful: keep serving for the shutdown delay, stop accepting, let requests finish. */
  | { readonly kind: "drain"; readonly graceMs: number }
  /** Now: every connection is cut. */
  | { readonly kind: "stop-now" }
  | { readonly kind: "ask"; readonly id: number; readonly question: Question };

export type ToControl =
  | { readonly kind: "listening"; readonly url: string; readonly tlsUrl?: string }
  | { readonly kind: "applied"; readonly version: number }
  | {
      readonly kind: "observations";
      readonly batch: readonly Observation[];
      /** Requests in flight per site, now. */
      readonly load: Readonly<Record<string, number>>;
    }
  | {
      readonly kind: "answer";
      readonly id: number;
      readonly answer?: unknown;
      readonly error?: string;
    }
  | { readonly kind: "drained"; readonly inFlightLeft: number };

/**
 * A worker process's own messages around its data plane's: it says hello once it listens
 * for messages (Node drops IPC messages that come before a listener), is given its boot
 * config (the primary's, read once: a boot file edited later never splits the workers), and
 * says why when it cannot start.
 */
export type ToWorker =
  | ToData
  | { readonly kind: "boot"; readonly boot: BootConfig; readonly index: number };
export type FromWorker =
  | ToControl
  | { readonly kind: "hello" }
  | { readonly kind: "fatal"; readonly reason: string };

/** One end of a channel: send to the other end, and be told what it sends. */
export interface Channel<Out, In> {
  send(message: Out): void;
  onMessage(handler: (message: In) => void): void;
  /** Told once when the other end is gone (a worker died, a direct link was closed). */
  onClose(handler: () => void): void;
}

/**
 * Two ends of an in-process channel. Delivery is synchronous and in order, as a state change
 * made by a test (`gateway.state.update`) must be in the data plane before its next request.
 */
export function directLink(): {
  control: Channel<ToData, ToControl>;
  data: Channel<ToControl, ToData>;
  close(): void;
} {
  const toData: ((message: ToData) => void)[] = [];
  const toControl: ((message: ToControl) => void)[] = [];
  const closed: (() => void)[] = [];
  let open = true;
  const end = <Out, In>(
    outbox: ((message: Out) => void)[],
    inbox: ((message: In) => void)[],
  ): Channel<Out, In> => ({
    send: (message) => {
      if (open) for (const handler of outbox) handler(message);
    },
    onMessage: (handler) => void inbox.push(handler),
    onClose: (handler) => void closed.push(handler),
  });
  return {
    control: end(toData, toControl),
    data: end(toControl, toData),
    close: () => {
      if (!open) return;
      open = false;
      for (const handler of closed) handler();
    },
  };
}
