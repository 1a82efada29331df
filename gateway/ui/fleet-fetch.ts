/**
 * Fleet mode's fetch: every gateway's `/sites`, read by this gateway's admin API (server side:
 * the browser talks to one origin only, so no CORS and no token per peer). Bounded: at most
 * `maxGateways` gateways, `concurrency` requests at once, each answer within `timeoutMs` and
 * `maxBodyBytes`. A gateway that does not answer in time, answers an error, sends too much,
 * sends something that is not a `/sites` answer, or says it is another site's gateway is
 * reported unreachable with the reason — never left out, never taken as healthy.
 *
 * This gateway is read in process (`readLocal`), not over the network, when it is its site's
 * only gateway in the list, or when the list does not have it at all.
 */
import type { Dispatcher } from "undici";
import { describeFailure, getBounded, mapPooled } from "./bounded-get.ts";
import type { GatewayReport } from "./ops-view.ts";
import { readSitesBody } from "./sites-body.ts";

/** A gateway of the fleet: its site and where its `/sites` is read; `error`: known unreadable. */
export interface FleetMember {
  readonly site: string;
  readonly url?: string;
  /** Discovery could not tell where it is (its datacenter did not answer, say). */
  readonly error?: string;
}

export interface FleetFetchSettings {
  readonly timeoutMs: number;
  readonly concurrency: number;
  readonly maxGateways: number;
  readonly maxBodyBytes: number;
}

export interface FleetFetchContext {
  readonly self: string;
  readonly readLocal: () => Promise<unknown>;
  readonly dispatcher?: Dispatcher;
}

export async function fetchFleet(
  members: readonly FleetMember[],
  settings: FleetFetchSettings,
  context: FleetFetchContext,
): Promise<GatewayReport[]> {
  const { self } = context;
  const watched = members.slice(0, settings.maxGateways);
  const ownCount = watched.filter((m) => m.site === self).length;
  const jobs: (() => Promise<GatewayReport>)[] = [];
  if (ownCount === 0) jobs.push(() => readLocally(self, self, context.readLocal));
  const perSite = new Map<string, number>();
  for (const m of watched) perSite.set(m.site, (perSite.get(m.site) ?? 0) + 1);
  for (const member of watched) {
    const several = (perSite.get(member.site) ?? 0) > 1;
    const id = several ? `${member.site}@${hostOf(member.url)}` : member.site;
    if (member.site === self && ownCount === 1)
      jobs.push(() => readLocally(id, self, context.readLocal));
    else jobs.push(() => readRemote(id, member, settings, context.dispatcher));
  }
  const reports = await mapPooled(jobs, settings.concurrency, (job) => job());
  for (const member of members.slice(settings.maxGateways))
    reports.push({
      id: member.site,
      ingress: member.site,
      reachable: false,
      error: `not watched: the fleet has more than ${settings.maxGateways} gateways`,
    });
  return reports;
}

function hostOf(url: string | undefined): string {
  try {
    return url ? new URL(url).host : "?";
  } catch {
    return "?";
  }
}

async function readLocally(
  id: string,
  site: string,
  read: () => Promise<unknown>,
): Promise<GatewayReport> {
  try {
    return reportOf(id, site, await read());
  } catch (error) {
    return { id, ingress: site, reachable: false, error: (error as Error).message };
  }
}

function reportOf(id: string, site: string, value: unknown): GatewayReport {
  const read = readSitesBody(value);
  if (!read.ok) return { id, ingress: site, reachable: false, error: read.error };
  if (read.body.ingress !== undefined && read.body.ingress !== site)
    return {
      id,
      ingress: site,
      reachable: false,
      error: `answered as the gateway of ${read.body.ingress}, registered for ${site}`,
    };
  return { id, ingress: site, reachable: true, body: read.body };
}

async function readRemote(
  id: string,
  member: FleetMember,
  settings: FleetFetchSettings,
  dispatcher: Dispatcher | undefined,
): Promise<GatewayReport> {
  const site = member.site;
  if (member.error !== undefined || member.url === undefined)
    return { id, ingress: site, reachable: false, error: member.error ?? "no address" };
  try {
    const text = await getBounded(member.url, { ...settings, ...(dispatcher && { dispatcher }) });
    return reportOf(id, site, JSON.parse(text));
  } catch (error) {
    const reason = describeFailure(error as Error, settings.timeoutMs);
    return { id, ingress: site, reachable: false, error: reason };
  }
}
