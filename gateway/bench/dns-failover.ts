/**
 * DNS failover time, measured: how long from a change (an ops compromise, or a site's
 * backends killed) until PowerDNS, asked with dig for a Zanzibar client subnet, answers the
 * fallback site (Dar es Salaam). Real parts: backends for every site of the reference world
 * (node:http on port 0), a gateway with its active probes on (the boot's default settings),
 * PowerDNS with its caches off. A client behind a resolver waits the TTL on top (30 s).
 */
import { HAPROXY_RISE_FALL } from "../../health/backend-state.ts";
import { DEFAULT_PROBE_SETTINGS } from "../../health/probes/probe-settings.ts";
import type { RunningGateway } from "../process/start-gateway.ts";
import { referenceSnapshot, startDnsGateway } from "../testing/dns-world.ts";
import { startBackend, type TestBackend } from "../testing/fixtures.ts";
import { addressesOf, type PowerDns, startPowerDns } from "../testing/powerdns.ts";

const ZANZIBAR = "+subnet=198.51.100.160/28";
const ZNZ = "192.0.2.110";
const DAR = "192.0.2.100";
/** Give up on one change after this long, ms. */
const CHANGE_TIMEOUT_MS = 60_000;

export interface FailoverFigures {
  /** ms from the compromise call to the first dig answering dar, one per round. */
  readonly compromiseMs: readonly number[];
  /** ms from znz's backends killed to the first dig answering dar, one per round. */
  readonly killMs: readonly number[];
  readonly probe: {
    readonly intervalMs: number;
    readonly timeoutMs: number;
    readonly fall: number;
  };
}

/** The first A address dig gets for a Zanzibar client subnet. */
const answerOf = async (pdns: PowerDns) =>
  addressesOf(await pdns.dig("www.example.test", "A", ZANZIBAR, "+tries=1", "+time=1"))[0];

/** ms from `from` until dig answers `address` (asked back to back). */
async function until(pdns: PowerDns, address: string, from: number): Promise<number> {
  while (performance.now() - from < CHANGE_TIMEOUT_MS) {
    if ((await answerOf(pdns)) === address) return performance.now() - from;
  }
  throw new Error(`dig did not answer ${address} within ${CHANGE_TIMEOUT_MS} ms`);
}

export async function measureFailover(rounds: number): Promise<FailoverFigures> {
  const base = referenceSnapshot();
  const backends = new Map<string, TestBackend>();
  for (const site of base.sites) backends.set(site.id, await startBackend(site.id));
  const ports = new Map([...backends].map(([id, b]) => [id, Number(b.address.split(":")[1])]));
  const catalogue = {
    sites: base.sites.map((s) => ({ ...s.config, backends: [backends.get(s.id)?.address ?? ""] })),
  };
  let gateway: RunningGateway | undefined;
  let pdns: PowerDns | undefined;
  try {
    gateway = await startDnsGateway({ catalogue, probes: { enabled: true } });
    pdns = await startPowerDns({ endpointUrl: gateway.dnsUrl ?? "", zone: "example.test" });
    const admin = (action: string) =>
      fetch(`${gateway?.adminUrl}/sites/znz/${action}`, { method: "POST" }).then((r) => r.text());
    await until(pdns, ZNZ, performance.now());
    const compromiseMs: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const from = performance.now();
      await admin("compromise");
      compromiseMs.push(await until(pdns, DAR, from));
      await admin("restore");
      await until(pdns, ZNZ, performance.now());
    }
    const killMs: number[] = [];
    const znz = backends.get("znz") as TestBackend;
    for (let i = 0; i < rounds; i++) {
      const from = performance.now();
      await znz.kill();
      killMs.push(await until(pdns, DAR, from));
      await new Promise<void>((resolve) =>
        znz.server.listen(ports.get("znz"), "127.0.0.1", resolve),
      );
      await until(pdns, ZNZ, performance.now());
    }
    const { intervalMs, timeoutMs } = DEFAULT_PROBE_SETTINGS;
    return { compromiseMs, killMs, probe: { intervalMs, timeoutMs, fall: HAPROXY_RISE_FALL.fall } };
  } finally {
    await pdns?.stop();
    await gateway?.shutdown(100);
    await Promise.all([...backends.values()].map((b) => b.kill()));
  }
}
