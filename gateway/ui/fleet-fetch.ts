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
import { type Dispatcher, request } from "undici";
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
  const reports = await pooled(jobs, settings.concurrency);
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
    const text = await getBounded(member.url, settings, dispatcher);
    return reportOf(id, site, JSON.parse(text));
  } catch (error) {
    return { id, ingress: site, reachable: false, error: describe(error as Error, settings) };
  }
}

/** GET url as text: 200 only, within the time and size bounds. */
async function getBounded(
  url: string,
  settings: FleetFetchSettings,
  dispatcher: Dispatcher | undefined,
): Promise<string> {
  const res = await request(url, {
    signal: AbortSignal.timeout(settings.timeoutMs),
    headers: { accept: "application/json" },
    ...(dispatcher && { dispatcher }),
  });
  const tooLarge = `answer over ${settings.maxBodyBytes} bytes`;
  if (res.statusCode !== 200) throw discarded(res.body, `answered ${res.statusCode}`);
  if (Number(res.headers["content-length"] ?? 0) > settings.maxBodyBytes)
    throw discarded(res.body, tooLarge);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += (chunk as Buffer).length;
    if (size > settings.maxBodyBytes) throw new Error(tooLarge); // the loop's exit destroys it
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The body closed unread (its abort is expected, so not an error event nobody hears). */
function discarded(body: Dispatcher.ResponseData["body"], reason: string): Error {
  body.on("error", () => {});
  body.destroy();
  return new Error(reason);
}

function describe(error: Error, settings: FleetFetchSettings): string {
  if (error.name === "TimeoutError" || error.name === "AbortError")
    return `no answer within ${settings.timeoutMs} ms`;
  if (error instanceof SyntaxError) return "the answer is not JSON";
  const code = (error as { code?: string }).code;
  return code ? `${code}: ${error.message}` : error.message;
}

/** Runs the jobs, `limit` at a time; results in the jobs' order. */
async function pooled<T>(jobs: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const index = next++;
      results[index] = await (jobs[index] as () => Promise<T>)();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  return results;
}
