/**
 * An HTTP double of the parts of Consul's API the gateway uses, for tests only (no Consul
 * binary can be installed here). One real node:http listener per datacenter on 127.0.0.1,
 * port 0 — that datacenter's local agent: its default `?dc`, its own agent services — and
 * `?dc=<other>` reads forwarded over the "WAN" to the other's state. See README.md for the
 * documented behaviours it follows and those it leaves out.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { authorizer, createAcl, requestToken } from "./acl.ts";
import { type Agent, createAgent, stopAgent } from "./agent.ts";
import { type ConsulControl, createControl, syncIfLeader } from "./control.ts";
import { handleRead } from "./http-reads.ts";
import { handleWrite } from "./http-writes.ts";
import { type Runtime, send, textReply } from "./runtime.ts";
import { createDatacenter, type DatacenterState } from "./state.ts";

export interface ConsulDoubleOptions {
  /** Datacenter names; the first is `url`'s. Default ["dc1"]. */
  readonly datacenters?: readonly string[];
  /** Clock for the request log, milliseconds. Default Date.now. */
  readonly now?: () => number;
  /** Source of the blocking-query stagger (up to wait/16); `() => 0` removes it. */
  readonly random?: () => number;
  /** The first datacenter's agent node. Default { Node: "agent-one", Address: "127.0.0.1" }. */
  readonly agentNode?: { readonly Node: string; readonly Address: string };
  /** How long a KV write over HTTP takes to commit before it applies and answers, ms. Default 5. */
  readonly commitDelayMs?: number;
}

export interface ConsulDouble extends ConsulControl {
  /** The first datacenter's agent, e.g. "http://127.0.0.1:41234" (no trailing slash). */
  readonly url: string;
  /** A datacenter's local agent. */
  urlOf(datacenter: string): string;
  close(): Promise<void>;
}

interface Listener {
  readonly server: Server;
  port: number;
}

export async function startConsulDouble(options: ConsulDoubleOptions = {}): Promise<ConsulDouble> {
  const names = options.datacenters ?? ["dc1"];
  const first = names[0];
  if (first === undefined) throw new Error("at least one datacenter is required");
  const dcs = new Map(names.map((n) => [n, createDatacenter(n)] as const));
  const defaultDc = dcs.get(first) as DatacenterState;
  const agents = new Map<string, Agent>();
  const rt: Runtime = {
    dcs,
    defaultDc,
    agent: undefined as unknown as Agent, // set just below, before anything reads it
    agents,
    auth: { enforcing: false, can: () => true },
    acl: createAcl(),
    down: new Set(),
    commitDelayMs: options.commitDelayMs ?? 5,
    faults: {
      failNext: 0,
      failStatus: 500,
      failAll: false,
      slowMs: 0,
      leaderless: false,
      lastContactMs: 0,
    },
    log: [],
    waiters: new Set(),
    held: new Set(),
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  for (const name of names) {
    const node =
      name === first
        ? (options.agentNode ?? { Node: "agent-one", Address: "127.0.0.1" })
        : { Node: `agent-${name}`, Address: "127.0.0.1" };
    agents.set(
      name,
      createAgent(node, () => syncIfLeader(rt)),
    );
  }
  Object.assign(rt, { agent: agents.get(first) });
  syncIfLeader(rt);
  const listeners = new Map<string, Listener>();
  for (const dc of dcs.values()) listeners.set(dc.name, await startListener(rt, dc, 0));
  const urlOf = (dc: string) => {
    const listener = listeners.get(dc);
    if (!listener) throw new Error(`unknown datacenter ${dc}`);
    return `http://127.0.0.1:${listener.port}`;
  };
  const control = createControl(rt, {
    stop: (dc) => stopListener(listeners.get(dc)),
    restart: async (dc) => {
      const listener = listeners.get(dc);
      const state = dcs.get(dc);
      if (listener && state) listeners.set(dc, await startListener(rt, state, listener.port));
    },
  });
  return {
    url: urlOf(first),
    urlOf,
    async close() {
      for (const waiter of [...rt.waiters]) waiter.finish(waiter.evaluate());
      for (const timer of rt.held) clearTimeout(timer);
      for (const agent of agents.values()) stopAgent(agent);
      await Promise.all([...listeners.values()].map(stopListener));
    },
    ...control,
  };
}

async function startListener(rt: Runtime, dc: DatacenterState, port: number): Promise<Listener> {
  const server = createServer((req, res) => {
    handle(rt, dc, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(rt, res, textReply(500, String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function stopListener(listener: Listener | undefined): Promise<void> {
  if (!listener?.server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    listener.server.close(() => resolve());
    listener.server.closeAllConnections();
  });
}

const MAX_BODY_BYTES = 1024 * 1024;
/** Paths the double serves, under some method: anything else there is a 405, not a 404. */
const KNOWN_PATH =
  /^\/v1\/(health\/(service|node|checks|state)\/|catalog\/(services$|nodes$|service\/|datacenters$)|kv\/|coordinate\/datacenters$|status\/(leader|peers)$|agent\/(self$|members$|service\/|check\/|maintenance$))/;

async function handle(
  shared: Runtime,
  local: DatacenterState,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://consul-double");
  const method = req.method ?? "GET";
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  const query = url.searchParams;
  shared.log.push({
    method,
    path: url.pathname,
    query: Object.fromEntries(query),
    body: body.toString("utf8"),
    atMs: shared.now(),
  });
  const { faults } = shared;
  if (faults.failAll || faults.failNext > 0) {
    if (!faults.failAll) faults.failNext -= 1;
    send(shared, res, textReply(faults.failStatus, "Injected failure (Consul double)"));
    return;
  }
  const auth = authorizer(shared.acl, requestToken(req.headers, query));
  if (auth === undefined) return send(shared, res, textReply(403, "ACL not found"));
  // This listener's view: its datacenter is the default, its agent the local one.
  const rt: Runtime = {
    ...shared,
    defaultDc: local,
    agent: shared.agents.get(local.name) ?? shared.agent,
    auth,
  };
  const path = url.pathname;
  if (method === "GET" && handleRead(rt, { path, query }, res)) return;
  const writes = method === "PUT" || method === "DELETE";
  // A KV write is a Raft apply: it commits a little later, so no test passes on instant writes.
  if (writes && path.startsWith("/v1/kv/") && shared.commitDelayMs > 0)
    await sleep(shared.commitDelayMs);
  if (writes && handleWrite(rt, { method, path, query, body }, res)) return;
  const known = KNOWN_PATH.test(path);
  const reply = known
    ? textReply(405, `method ${method} not allowed`)
    : textReply(404, `no handler for ${path}`);
  send(shared, res, reply);
}
