/**
 * The DNS-answer endpoint: a node:http server that answers PowerDNS's remote backend (HTTP
 * connector, `remote-connection-string=http:url=http://HOST:PORT/dns`). It reads the control
 * plane's snapshot on every call, so an answer is never older than the routing state.
 *
 * Every call gets 200 with `{"result": …}`, except: a malformed one (400 bad_request), a
 * steered name no site may serve with `whenBlocked: servfail` (503 residency_blocked or
 * no_usable_site), a failure (500 internal). PowerDNS answers any non-200 with SERVFAIL, and
 * the cause is logged here (a blocked client once per name and snapshot).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import type { Random } from "../../routing-tables/decide.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import type { NetworkAnswer } from "../client-facts/network-locator.ts";
import type { DnsSettings } from "../config/dns-schema.ts";
import {
  type ErrorCode,
  GatewayError,
  PROBLEM_CONTENT_TYPE,
  problemBody,
} from "../errors/error-catalogue.ts";
import { parseClientSubnet } from "./client-subnet.ts";
import { normalizeQname } from "./dns-name.ts";
import { answerLookup, type LocatedClient, type LookupContext } from "./lookup-answer.ts";
import { type BackendCall, parseBackendCall } from "./remote-backend-call.ts";
import { buildZoneIndex, type ZoneIndex } from "./zone-index.ts";

export interface DnsEndpointContext {
  readonly settings: DnsSettings;
  /** This gateway's site (clients of unknown location are ranked from it). */
  readonly ingress: string;
  /** The SOA serial (the control plane's start, in seconds since the epoch). */
  readonly serial: number;
  /** The control plane's current snapshot. */
  readonly snapshot: () => Snapshot;
  /** GeoIP with prefix lengths; absent: every client's location unknown. */
  readonly locateNetwork?: (address: string) => NetworkAnswer;
  readonly random: Random;
  readonly logger: Logger;
  /** Told of every look-up's outcome (metrics). */
  readonly onAnswer?: (outcome: string, site: string) => void;
}

/** Time a caller has for its request head, and for the whole request, ms. */
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** PowerDNS keeps its connection between queries: a long idle time spares reconnects. */
const KEEP_ALIVE_TIMEOUT_MS = 60_000;
/** A remote-backend request is a short line and four headers. */
const MAX_HEADER_BYTES = 8_192;

export function createDnsServer(context: DnsEndpointContext): Server {
  const server = createServer(
    {
      maxHeaderSize: MAX_HEADER_BYTES,
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    },
    dnsRequestListener(context),
  );
  server.maxConnections = context.settings.maxConnections;
  return server;
}

/** What to write: a result for PowerDNS, or a problem it turns into SERVFAIL. */
type Reply =
  | { readonly kind: "result"; readonly result: unknown }
  | { readonly kind: "problem"; readonly code: ErrorCode; readonly detail: string };

const result = (value: unknown): Reply => ({ kind: "result", result: value });
const problem = (code: ErrorCode, detail: string): Reply => ({ kind: "problem", code, detail });

export function dnsRequestListener(
  context: DnsEndpointContext,
): (req: IncomingMessage, res: ServerResponse) => void {
  const indexes = new WeakMap<Snapshot, ZoneIndex>();
  const indexFor = (snapshot: Snapshot) => {
    let index = indexes.get(snapshot);
    if (!index) {
      index = buildZoneIndex(context.settings.zones, snapshot.services, snapshot.router);
      indexes.set(snapshot, index);
    }
    return index;
  };
  const blockedLog = new OncePerSnapshot();
  return (req, res) => {
    let reply: Reply;
    try {
      reply = replyTo(context, indexFor, blockedLog, req);
    } catch (error) {
      context.logger.error({ err: error, url: req.url }, "DNS answer failed");
      reply = problem("internal", "the answer could not be built");
    }
    if (reply.kind === "result") send(res, reply.result);
    else fail(context, res, reply.code, reply.detail, req.url);
  };
}

function replyTo(
  context: DnsEndpointContext,
  indexFor: (snapshot: Snapshot) => ZoneIndex,
  blockedLog: OncePerSnapshot,
  req: IncomingMessage,
): Reply {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value.join(", ") : value;
  };
  const parsed = parseBackendCall(req.url ?? "", header);
  if (!parsed.ok) return problem("bad_request", parsed.reason);
  const { call } = parsed;
  if (req.method !== "GET" && call.method !== "declined")
    return problem("method_not_allowed", `${req.method} ${call.method}`);
  const snapshot = context.snapshot();
  const index = indexFor(snapshot);
  const { serial } = context;
  switch (call.method) {
    case "lookup":
      return lookup(context, { ...context, index, snapshot }, call, blockedLog);
    case "getAllDomains":
      return result(index.zones.map((zone) => domainInfo(zone.settings.name, zone.id, serial)));
    case "getDomainInfo": {
      const zone = index.zones.find((z) => z.settings.name === normalizeQname(call.name));
      return result(zone ? domainInfo(zone.settings.name, zone.id, serial) : false);
    }
    case "getAllDomainMetadata":
      return result({});
    case "getDomainMetadata":
      return result([]);
    case "declined":
      context.logger.debug({ method: call.name }, "remote-backend call declined");
      return result(false);
  }
}

const domainInfo = (zone: string, id: number, serial: number) => ({
  id,
  zone: `${zone}.`,
  kind: "native",
  serial,
});

/**
 * A blocked client is the state of a snapshot, not an event: it is logged once per name and
 * code while that snapshot serves (the metric counts every answer), so a flood of queries
 * for a blocked subnet cannot flood the log. At most 1000 keys per snapshot.
 */
class OncePerSnapshot {
  #version = -1;
  readonly #seen = new Set<string>();

  first(version: number, key: string): boolean {
    if (version !== this.#version) {
      this.#version = version;
      this.#seen.clear();
    }
    if (this.#seen.has(key) || this.#seen.size >= 1_000) return false;
    this.#seen.add(key);
    return true;
  }
}

function lookup(
  context: DnsEndpointContext,
  lookupContext: LookupContext,
  call: Extract<BackendCall, { method: "lookup" }>,
  blockedLog: OncePerSnapshot,
): Reply {
  const subnet = parseClientSubnet(call.realRemote);
  if (!subnet) return problem("bad_request", `real-remote "${call.realRemote}"`);
  const client = (): LocatedClient => {
    if (subnet.sourcePrefix === 0 || !context.locateNetwork)
      return { location: {}, scopePrefix: 0 };
    const { location, prefixLength } = context.locateNetwork(subnet.address);
    return { location, scopePrefix: prefixLength };
  };
  const answer = answerLookup(lookupContext, call.qname, call.qtype, client);
  const code = answer.ok ? answer.blocked : answer.code;
  if (code && blockedLog.first(lookupContext.snapshot.version, `${code} ${call.qname}`)) {
    const facts = { qname: call.qname, client: call.realRemote, code };
    context.logger.info(facts, "no site may serve this client (logged once per name and snapshot)");
  }
  if (!answer.ok) {
    const detail = `no site may serve ${call.qname} for ${call.realRemote} (service ${answer.service})`;
    return problem(answer.code, detail);
  }
  context.onAnswer?.(answer.outcome, answer.site ?? "none");
  return result(answer.records);
}

function send(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify({ result: value });
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

/** A problem answer: PowerDNS turns it into SERVFAIL; the cause is logged. */
function fail(
  context: DnsEndpointContext,
  res: ServerResponse,
  code: ErrorCode,
  detail: string,
  url: string | undefined,
): void {
  const error = new GatewayError(code, detail, { cause: detail });
  if (code !== "residency_blocked" && code !== "no_usable_site")
    context.logger.warn({ code, detail, url }, "DNS call answered with a problem (SERVFAIL)");
  context.onAnswer?.(code === "bad_request" ? "bad_request" : "servfail", "none");
  const body = problemBody(error);
  res.writeHead(error.status, {
    "content-type": PROBLEM_CONTENT_TYPE,
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
