/**
 * An HTTP double of the parts of Consul's API the gateway uses, for tests only (no Consul
 * binary can be installed here). A real node:http server on 127.0.0.1, port 0. See README.md
 * for the documented behaviours it follows and those it leaves out.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createAgent, stopAgent } from "./agent.ts";
import { type ConsulControl, createControl, syncIfLeader } from "./control.ts";
import { handleRead } from "./http-reads.ts";
import { handleWrite } from "./http-writes.ts";
import { type Runtime, send, textReply } from "./runtime.ts";
import { createDatacenter, type DatacenterState } from "./state.ts";

export interface ConsulDoubleOptions {
  /** Datacenter names; the first is the default for `?dc` and the agent's. Default ["dc1"]. */
  readonly datacenters?: readonly string[];
  /** Clock for the request log, milliseconds. Default Date.now. */
  readonly now?: () => number;
  /** Source of the blocking-query stagger (up to wait/16); `() => 0` removes it. */
  readonly random?: () => number;
  /** The node the local agent runs on. Default { Node: "agent-one", Address: "127.0.0.1" }. */
  readonly agentNode?: { readonly Node: string; readonly Address: string };
}

export interface ConsulDouble extends ConsulControl {
  /** Base URL, e.g. "http://127.0.0.1:41234" (no trailing slash). */
  readonly url: string;
  close(): Promise<void>;
}

export async function startConsulDouble(options: ConsulDoubleOptions = {}): Promise<ConsulDouble> {
  const names = options.datacenters ?? ["dc1"];
  const first = names[0];
  if (first === undefined) throw new Error("at least one datacenter is required");
  const dcs = new Map(names.map((n) => [n, createDatacenter(n)] as const));
  const defaultDc = dcs.get(first) as DatacenterState;
  const agentNode = options.agentNode ?? { Node: "agent-one", Address: "127.0.0.1" };
  const rt: Runtime = {
    dcs,
    defaultDc,
    agent: createAgent(agentNode, () => syncIfLeader(rt)),
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
  syncIfLeader(rt);
  const server = createServer((req, res) => {
    handle(rt, req, res).catch((error: unknown) => {
      if (!res.headersSent) send(rt, res, textReply(500, String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      for (const waiter of [...rt.waiters]) waiter.finish(waiter.evaluate());
      for (const timer of rt.held) clearTimeout(timer);
      stopAgent(rt.agent);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    ...createControl(rt),
  };
}

const MAX_BODY_BYTES = 1024 * 1024;
/** Paths the double serves, under some method: anything else there is a 405, not a 404. */
const KNOWN_PATH =
  /^\/v1\/(health\/service\/|catalog\/(services$|service\/|datacenters$)|kv\/|coordinate\/datacenters$|agent\/(service\/|check\/|maintenance$))/;

async function handle(rt: Runtime, req: IncomingMessage, res: ServerResponse): Promise<void> {
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
  rt.log.push({
    method,
    path: url.pathname,
    query: Object.fromEntries(query),
    body: body.toString("utf8"),
    atMs: rt.now(),
  });

  const { faults } = rt;
  if (faults.failAll || faults.failNext > 0) {
    if (!faults.failAll) faults.failNext -= 1;
    send(rt, res, textReply(faults.failStatus, "Injected failure (Consul double)"));
    return;
  }
  const path = url.pathname;
  if (method === "GET" && handleRead(rt, { path, query }, res)) return;
  const writes = method === "PUT" || method === "DELETE";
  if (writes && handleWrite(rt, { method, path, query, body }, res)) return;
  const known = KNOWN_PATH.test(path);
  const reply = known
    ? textReply(405, `method ${method} not allowed`)
    : textReply(404, `no handler for ${path}`);
  send(rt, res, reply);
}
