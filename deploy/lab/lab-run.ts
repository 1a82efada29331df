/**
 * A lab run: the lab up with every site serving and announcing, the router's route watched,
 * and the client loop running, plus `timeEvent`, which does one thing to the world and
 * measures what followed: time to the router's route change, time to the first request
 * answered by the expected site's gateway, and the client's requests that failed even
 * after their one retry.
 */
import { createInterface } from "node:readline";
import { setTimeout as sleep } from "node:timers/promises";
import { type AnnouncerSettings, LAB_SITES, siteOf, VIP } from "./lab-plan.ts";
import type { LabProcess } from "./lab-processes.ts";
import { createLab, describeProcess, type Lab } from "./lab-world.ts";
import { type RouteWatch, watchRoute } from "./route-watch.ts";

const CLIENT_LOOP = new URL("client-loop.ts", import.meta.url).pathname;

export interface ClientRecord {
  /** When the request started, epoch ms. */
  readonly at: number;
  /** When its answer (or last failure) came, epoch ms. */
  readonly end: number;
  readonly tries: number;
  readonly ok: boolean;
  readonly status?: number;
  readonly ingress?: string;
  readonly site?: string;
  readonly error?: string;
}

export interface LabRun {
  readonly lab: Lab;
  readonly watch: RouteWatch;
  readonly records: ClientRecord[];
  readonly settings: AnnouncerSettings;
  /** The site the router sends the VIP to now, or null. */
  routedSite(): string | null;
  close(): Promise<void>;
}

/** Polls `check` until true; fails after `timeoutMs` naming `what` (a bound, not a measurement). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export const siteOfNextHop = (nextHop: string | null) =>
  LAB_SITES.find((s) => s.address === nextHop)?.id ?? null;

async function currentNextHop(lab: Lab): Promise<string | null> {
  const out = await lab.exec(lab.names.router, ["ip", "route", "show", `${VIP}/32`]);
  return /via (\S+)/.exec(out)?.[1] ?? null;
}

async function ready(lab: Lab, site: string): Promise<boolean> {
  try {
    return JSON.parse(await lab.admin(site, "GET", "/readyz")).ready === true;
  } catch {
    return false;
  }
}

export async function startSite(
  lab: Lab,
  site: string,
  settings: AnnouncerSettings,
): Promise<void> {
  for (const port of siteOf(site).backendPorts) lab.startBackend(site, port);
  lab.startGateway(site);
  await waitFor(() => ready(lab, site), 20_000, `the gateway at ${site} to be ready`).catch(
    (error: Error) => {
      throw new Error(`${error.message}\n${describeProcess(lab, `gateway:${site}`)}`);
    },
  );
  lab.startSpeaker(site, settings);
}

function followClient(client: LabProcess, records: ClientRecord[]): void {
  if (!client.child.stdout) throw new Error("the client loop has no stdout");
  createInterface({ input: client.child.stdout }).on("line", (line) => {
    records.push(JSON.parse(line) as ClientRecord);
  });
}

/** The lab with all three sites announcing, dar preferred, and the client loop running. */
export async function startLabRun(
  settings: AnnouncerSettings,
  clientSeconds = 600,
): Promise<LabRun> {
  const lab = await createLab();
  try {
    await Promise.all(LAB_SITES.map((site) => startSite(lab, site.id, settings)));
    const watch = watchRoute(lab.names.router, VIP, await currentNextHop(lab));
    const routedSite = () => siteOfNextHop(watch.current());
    await waitFor(() => routedSite() === "dar", 30_000, "the router to route the VIP to dar").catch(
      (error: Error) => {
        throw new Error(
          `${error.message}\n${describeProcess(lab, "speaker:dar")}\n${describeProcess(lab, "bird")}`,
        );
      },
    );
    const records: ClientRecord[] = [];
    const command = [process.execPath, CLIENT_LOOP, `http://${VIP}/`, "50", String(clientSeconds)];
    followClient(lab.startClient(command), records);
    await waitFor(
      () => records.some((r) => r.ingress === "dar"),
      10_000,
      "the client to be served by dar",
    );
    return {
      lab,
      watch,
      records,
      settings,
      routedSite,
      async close() {
        watch.close();
        await lab.close();
      },
    };
  } catch (error) {
    await lab.close();
    throw error;
  }
}

export interface EventFigures {
  readonly event: string;
  /** From the action to the router's route change, ms. */
  readonly routeChangeMs: number;
  /** From the action to the first answer from the expected site's gateway, ms. */
  readonly servedElsewhereMs: number;
  /** Client requests started from the action to the end of the window, and those that failed. */
  readonly requests: number;
  readonly retried: number;
  readonly failed: number;
}

export interface LabEvent {
  readonly event: string;
  readonly act: () => Promise<void>;
  /** The site the VIP must go to. */
  readonly expect: string;
  readonly timeoutMs: number;
}

/** What dar's gateway thinks of its site, and its speaker's last lines, for a failure message. */
async function diagnose(run: LabRun): Promise<string> {
  const sites = await run.lab.admin("dar", "GET", "/sites").catch((e: Error) => e.message);
  let dar: unknown = sites;
  try {
    dar = (JSON.parse(sites) as { sites: { id: string }[] }).sites.find((s) => s.id === "dar");
  } catch {
    // Not JSON: show the text.
  }
  return `dar's own view: ${JSON.stringify(dar)}\n${describeProcess(run.lab, "speaker:dar")}`;
}

/** Acts, waits for the route and the client to follow, and counts the client's requests. */
export async function timeEvent(run: LabRun, event: LabEvent): Promise<EventFigures> {
  const start = Date.now();
  await event.act();
  const describe = () =>
    `${event.event}: the VIP should go to ${event.expect}, the router has ${run.routedSite()}`;
  await waitFor(() => run.routedSite() === event.expect, event.timeoutMs, describe()).catch(
    async (error: Error) => {
      throw new Error(`${error.message}\n${await diagnose(run)}`);
    },
  );
  const change = run.watch.changes.find(
    (c) => c.at >= start && siteOfNextHop(c.nextHop) === event.expect,
  );
  const served = () => run.records.find((r) => r.end >= start && r.ingress === event.expect);
  await waitFor(
    () => served() !== undefined,
    event.timeoutMs + 3_000,
    `${event.event}: a request served by ${event.expect}`,
  );
  // The window runs at least 3 s past the action, and on until requests started before the
  // move have had their retry (1 s delay + 1 s timeout) and a newer request has finished.
  await sleep(Math.max(0, start + 3_000 - Date.now()));
  const settled = Date.now();
  await waitFor(() => run.records.some((r) => r.at >= settled), 5_000, "the client loop to go on");
  const window = run.records.filter((r) => r.at >= start - 1_000 && r.at < settled);
  return {
    event: event.event,
    routeChangeMs: (change?.at ?? Date.now()) - start,
    servedElsewhereMs: (served()?.end ?? Date.now()) - start,
    requests: window.length,
    retried: window.filter((r) => r.tries > 1).length,
    failed: window.filter((r) => !r.ok).length,
  };
}
