/**
 * Fleet mode's member list from Consul: every datacenter the local agent knows
 * (`/v1/catalog/datacenters`, WAN-joined: one per site), and in each the instances of the
 * service that serves a gateway's `/sites` off its host (`ui.fleet.service`: the
 * `gateway-metrics` proxy of deploy/consul/, on the management address; the site in its
 * `site` meta). Every instance counts, passing or not: one whose checks fail is still a
 * gateway, shown unreachable if it cannot be read, not hidden. A datacenter that does not
 * answer becomes one member with the reason (its site shows unreachable).
 *
 * Fetch → transform (`membersOf`, pure) → cache: the list is asked again after `refreshMs`;
 * when asking fails the last good list stays. Bounded: at most `maxDatacenters`, `concurrency`
 * requests at once, each within `timeoutMs` and a byte cap.
 */
import { isIPv6 } from "node:net";
import { answerJson, type ConsulHttp, ConsulStatusError } from "../../health/consul/consul-http.ts";
import { SITE_ID_PATTERN } from "../../routing-tables/catalogue-schema.ts";
import { describeFailure, mapPooled } from "./bounded-get.ts";
import type { FleetMember } from "./fleet-fetch.ts";

export interface ConsulFleetSettings {
  /** The Consul service whose instances serve `/sites` (gateway-metrics). */
  readonly service: string;
  /** The path of `/sites` at those instances. */
  readonly path: string;
  readonly refreshMs: number;
  readonly timeoutMs: number;
  readonly maxDatacenters: number;
  readonly concurrency: number;
}

export interface FleetSource {
  members(): Promise<readonly FleetMember[]>;
  close(): Promise<void>;
}

const MAX_ANSWER_BYTES = 1024 * 1024;
const DATACENTER = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * `http` is the gateway's one Consul client (health/consul/consul-http.ts: its token, TLS and
 * byte cap); each call here is bounded by `timeoutMs` and by MAX_ANSWER_BYTES of text.
 */
export function consulFleet(
  http: ConsulHttp,
  settings: ConsulFleetSettings,
  now: () => number = Date.now,
): FleetSource {
  const get = async (path: string, query: Record<string, string | boolean> = {}) => {
    const answer = await http.call({ path, query, timeoutMs: settings.timeoutMs });
    if (answer.status !== 200) throw new ConsulStatusError(path, answer);
    if (answer.text.length > MAX_ANSWER_BYTES)
      throw new Error(`${path}: answer over ${MAX_ANSWER_BYTES} bytes`);
    return answerJson<unknown>(answer, path);
  };
  let cached: { at: number; members: readonly FleetMember[] } | undefined;
  const refresh = async (): Promise<readonly FleetMember[]> => {
    const datacenters = datacentersOf(await get("/v1/catalog/datacenters")).slice(
      0,
      settings.maxDatacenters,
    );
    const service = encodeURIComponent(settings.service);
    const lists = await mapPooled(datacenters, settings.concurrency, async (dc) => {
      try {
        const answer = await get(`/v1/health/service/${service}`, { dc, stale: true });
        return membersOf(dc, answer, settings.path);
      } catch (error) {
        const reason = describeFailure(error as Error, settings.timeoutMs);
        return [{ site: dc, error: `Consul datacenter ${dc}: ${reason}` }];
      }
    });
    return lists.flat();
  };
  return {
    async members() {
      if (cached && now() - cached.at < settings.refreshMs) return cached.members;
      try {
        cached = { at: now(), members: await refresh() };
      } catch (error) {
        if (!cached) throw error;
        cached = { at: now(), members: cached.members }; // the last good list, asked again later
      }
      return cached.members;
    },
    // The Consul client is the control plane's: it closes it.
    close: async () => {},
  };
}

/** The datacenter names of `/v1/catalog/datacenters`; anything else in the list is skipped. */
export function datacentersOf(answer: unknown): string[] {
  if (!Array.isArray(answer)) throw new Error("Consul's datacenter list is not a list");
  return answer.filter((dc): dc is string => typeof dc === "string" && DATACENTER.test(dc));
}

interface HealthEntry {
  Node?: { Address?: unknown };
  Service?: { Address?: unknown; Port?: unknown; Meta?: { site?: unknown } };
}

/**
 * One datacenter's `/v1/health/service/<service>` answer as fleet members: each instance's
 * site (its `site` meta, else the datacenter's name) and the URL of its `/sites`. An instance
 * without a usable address or port is a member that cannot be read, not a skipped one.
 */
export function membersOf(dc: string, answer: unknown, path: string): FleetMember[] {
  if (!Array.isArray(answer)) return [{ site: dc, error: "Consul's answer is not a list" }];
  return answer.slice(0, 256).map((entry: HealthEntry) => {
    const meta = entry.Service?.Meta?.site;
    const site = typeof meta === "string" && SITE_ID_PATTERN.test(meta) ? meta : dc;
    const address = textOf(entry.Service?.Address) || textOf(entry.Node?.Address);
    const port = entry.Service?.Port;
    if (
      !address ||
      typeof port !== "number" ||
      !Number.isInteger(port) ||
      port < 1 ||
      port > 65_535
    )
      return { site, error: "registered without an address and port" };
    const host = isIPv6(address) ? `[${address}]` : address;
    return { site, url: `http://${host}:${port}${path}` };
  });
}

const textOf = (value: unknown) =>
  typeof value === "string" && /^[A-Za-z0-9.:-]{1,253}$/.test(value) ? value : "";
