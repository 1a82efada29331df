/**
 * `npm run lab [-- --hold-down-ms 5000 --flap-seconds 30 --json]`: the lab's figures. Every
 * event of lab-events.ts, timed, then a flap test: dar's backends die and come back every
 * 2 s for the flap's length, once with the announcer's hold-down and once without (dar's
 * ExaBGP restarted with --hold-down-ms 0), counting the router's best-path changes and the
 * BGP updates dar sent. Prints a table (or JSON); needs what the lab test needs.
 */
import { parseArgs } from "node:util";
import { eventPairs, updatesFrom } from "./lab-events.ts";
import { HOLD_TIME_S, LAB_ANNOUNCER, siteOf } from "./lab-plan.ts";
import { labUnavailable } from "./lab-prerequisites.ts";
import { type EventFigures, type LabRun, startLabRun, timeEvent, waitFor } from "./lab-run.ts";

const USAGE = "usage: npm run lab -- [--hold-down-ms 5000] [--flap-seconds 30] [--json]";

function readArgs() {
  try {
    const { values } = parseArgs({
      options: {
        "hold-down-ms": { type: "string", default: "5000" },
        "flap-seconds": { type: "string", default: "30" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
    const holdDownMs = Number(values["hold-down-ms"]);
    const flapSeconds = Number(values["flap-seconds"]);
    if (!Number.isInteger(holdDownMs) || holdDownMs < 0 || holdDownMs > 600_000)
      throw new Error(`--hold-down-ms takes 0 to 600000, not ${values["hold-down-ms"]}`);
    if (!Number.isInteger(flapSeconds) || flapSeconds < 1 || flapSeconds > 3_600)
      throw new Error(`--flap-seconds takes 1 to 3600, not ${values["flap-seconds"]}`);
    return { values, holdDownMs, flapSeconds };
  } catch (error) {
    process.stderr.write(`lab: ${(error as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
}

const { values, holdDownMs, flapSeconds } = readArgs();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const settings = { ...LAB_ANNOUNCER, holdDownMs };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface FlapFigures {
  readonly holdDownMs: number;
  readonly seconds: number;
  /** Best-path changes at the router from the flap's start to its end. */
  readonly routeChanges: number;
  /** Of those, the ones after the first (the first failure's, immediate by design). */
  readonly routeChangesAfterFirst: number;
  /** BGP updates and withdraws dar sent the router meanwhile. */
  readonly updatesFromDar: number;
  readonly requests: number;
  readonly failed: number;
}

async function flap(labRun: LabRun, hold: number): Promise<FlapFigures> {
  const { lab } = labRun;
  const ports = siteOf("dar").backendPorts;
  const updatesBefore = await updatesFrom(labRun, "dar");
  const start = Date.now();
  while (Date.now() - start < flapSeconds * 1_000) {
    await Promise.all(ports.map((port) => lab.stop(`backend:dar:${port}`, "SIGKILL")));
    await sleep(2_000);
    for (const port of ports) lab.startBackend("dar", port);
    await sleep(2_000);
  }
  const end = Date.now();
  const updates = (await updatesFrom(labRun, "dar")) - updatesBefore;
  const window = labRun.records.filter((r) => r.at >= start && r.at < end);
  await waitFor(() => labRun.routedSite() === "dar", hold + 20_000, "dar back after the flap");
  const changes = labRun.watch.changes.filter((c) => c.at >= start && c.at < end);
  return {
    holdDownMs: hold,
    seconds: Math.round((end - start) / 1_000),
    routeChanges: changes.length,
    routeChangesAfterFirst: Math.max(0, changes.length - 1),
    updatesFromDar: updates,
    requests: window.length,
    failed: window.filter((r) => !r.ok).length,
  };
}

async function figures() {
  const labRun = await startLabRun(settings, 900);
  try {
    const events: EventFigures[] = [];
    for (const pair of eventPairs(labRun)) {
      events.push(await timeEvent(labRun, pair.away));
      events.push(await timeEvent(labRun, pair.back));
    }
    const flaps = [await flap(labRun, holdDownMs)];
    await labRun.lab.stop("speaker:dar");
    labRun.lab.startSpeaker("dar", { ...settings, holdDownMs: 0 });
    await waitFor(() => labRun.routedSite() === "dar", 30_000, "dar announced again");
    flaps.push(await flap(labRun, 0));
    return { settings: { ...settings, bgpHoldTimeS: HOLD_TIME_S }, events, flaps };
  } finally {
    await labRun.close();
  }
}

function print(result: Awaited<ReturnType<typeof figures>>): void {
  const s = result.settings;
  console.log(
    `announcer: poll ${s.intervalMs} ms, rise ${s.riseCount}, hold-down ${s.holdDownMs} ms, de-prefer MED ${s.depreferMed}; BGP hold time ${s.bgpHoldTimeS} s`,
  );
  console.log("client: a new connection per GET every 50 ms, 1 s per try, one retry after 1 s\n");
  console.log(
    "| event | route change ms | first answer from the new site ms | requests | retried | failed |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const e of result.events)
    console.log(
      `| ${e.event} | ${e.routeChangeMs} | ${e.servedElsewhereMs} | ${e.requests} | ${e.retried} | ${e.failed} |`,
    );
  console.log(
    "\n| flap (dar's backends die and return every 2 s) | hold-down ms | s | router best-path changes | after the first | BGP updates from dar | requests | failed |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const f of result.flaps)
    console.log(
      `| ${f.holdDownMs ? "hold-down on" : "hold-down off"} | ${f.holdDownMs} | ${f.seconds} | ${f.routeChanges} | ${f.routeChangesAfterFirst} | ${f.updatesFromDar} | ${f.requests} | ${f.failed} |`,
    );
}

const unavailable = labUnavailable();
if (unavailable) {
  console.error(`lab: skipped: ${unavailable}`);
  process.exitCode = 0;
} else {
  const result = await figures();
  if (values.json) console.log(JSON.stringify(result, null, 2));
  else print(result);
}
