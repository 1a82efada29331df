/**
 * `gateway announce --prefix VIP/32 [options]`: the anycast announcer, a process ExaBGP runs
 * (its process API). It polls the local gateway's admin API and writes `announce` /
 * `withdraw` lines for ExaBGP on stdout; decisions are logged as JSON on stderr. It exits
 * when its stdin closes (ExaBGP has gone) or on SIGTERM/SIGINT, withdrawing first.
 */
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import pino from "pino";
import type { SiteObservation } from "../anycast/announce-decision.ts";
import { runAnnounceLoop, timerSleep } from "../anycast/announce-loop.ts";
import {
  exabgpCommand,
  neighborChange,
  parseDepreference,
  type SpeakerRoute,
} from "../anycast/exabgp-speaker.ts";
import { observeLocalSite } from "../anycast/site-observation.ts";
import { type CommandIo, EXIT_OK, EXIT_USAGE, wholeOption } from "./io.ts";

export const ANNOUNCE_USAGE = `usage: gateway announce --prefix VIP/32 [options]
  Run by ExaBGP (process API): announces the VIP while the local gateway is ready and its
  site healthy, de-prefers it while the site is degraded, withdraws it otherwise.
  --admin URL          the local gateway's admin API (default http://127.0.0.1:9090)
  --prefix CIDR        the anycast VIP as a prefix, e.g. 203.0.113.10/32 (required)
  --next-hop ADDR      next hop sent with the route (default self)
  --interval-ms N      time between polls, ms (default 500; 50 to 60000)
  --timeout-ms N       a poll without an answer by then means unreachable, ms (default 1000)
  --rise N             consecutive good polls before the route improves (default 3; 1 to 100)
  --hold-down-ms N     a better route waits until the good run is this old, ms (default 10000)
  --med N              MED of the preferred route (default 0)
  --deprefer SPEC      med:N (default med:1000) or prepend:N (needs --local-as)
  --local-as N         this site's AS number (for prepend)
  --follow-sessions    read ExaBGP's neighbour changes (api { neighbor-changes; }): with no
                       BGP session up the route is withdrawn, and announced again only after
                       the rise count and hold-down once a session is back`;

const OPTIONS = {
  admin: { type: "string", default: "http://127.0.0.1:9090" },
  prefix: { type: "string" },
  "next-hop": { type: "string", default: "self" },
  "interval-ms": { type: "string", default: "500" },
  "timeout-ms": { type: "string", default: "1000" },
  rise: { type: "string", default: "3" },
  "hold-down-ms": { type: "string", default: "10000" },
  med: { type: "string", default: "0" },
  deprefer: { type: "string", default: "med:1000" },
  "local-as": { type: "string" },
  "follow-sessions": { type: "boolean", default: false },
} as const;

const PREFIX = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$|^[0-9a-f:]+\/\d{1,3}$/i;

interface AnnounceSettings {
  readonly adminUrl: string;
  readonly route: SpeakerRoute;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly riseCount: number;
  readonly holdDownMs: number;
  readonly followSessions: boolean;
}

/** Every flag checked; an error names the flag and what it takes. */
export function parseAnnounceArgs(args: readonly string[]): AnnounceSettings {
  const { values } = parseArgs({ args: [...args], options: OPTIONS });
  if (!values.prefix || !PREFIX.test(values.prefix))
    throw new Error(
      `--prefix takes the VIP as a prefix (203.0.113.10/32), not "${values.prefix ?? ""}"`,
    );
  const localAs =
    values["local-as"] === undefined
      ? undefined
      : wholeOption(values, "local-as", 1, 4_294_967_295);
  return {
    adminUrl: values.admin.replace(/\/+$/, ""),
    route: {
      prefix: values.prefix,
      nextHop: values["next-hop"],
      med: wholeOption(values, "med", 0, 4_294_967_295),
      deprefer: parseDepreference(values.deprefer, localAs),
    },
    intervalMs: wholeOption(values, "interval-ms", 50, 60_000),
    timeoutMs: wholeOption(values, "timeout-ms", 10, 60_000),
    riseCount: wholeOption(values, "rise", 1, 100),
    holdDownMs: wholeOption(values, "hold-down-ms", 0, 3_600_000),
    followSessions: values["follow-sessions"],
  };
}

export async function announceCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let settings: AnnounceSettings;
  try {
    settings = parseAnnounceArgs(args);
  } catch (error) {
    io.err(`gateway announce: ${(error as Error).message}\n${ANNOUNCE_USAGE}`);
    return EXIT_USAGE;
  }
  const logger = pino({ name: "announcer" }, pino.destination(2));
  const stop = new AbortController();
  const abort = () => stop.abort();
  process.once("SIGTERM", abort);
  process.once("SIGINT", abort);
  // ExaBGP writes acknowledgements and neighbour changes on our stdin; its end means ExaBGP
  // has gone. Sessions count only with --follow-sessions (else ExaBGP may never say "up").
  const sessionsUp = new Set<string>();
  if (!process.stdin.isTTY) {
    createInterface({ input: process.stdin }).on("line", (line) => {
      const change = neighborChange(line);
      if (change?.up) sessionsUp.add(change.peer);
      else if (change) sessionsUp.delete(change.peer);
    });
    process.stdin.once("end", abort);
  }
  const observe = (): Promise<SiteObservation> =>
    settings.followSessions && sessionsUp.size === 0
      ? Promise.resolve({ kind: "no-session" })
      : observeLocalSite(settings.adminUrl, settings.timeoutMs);
  logger.info({ ...settings }, "announcer started");
  await runAnnounceLoop({
    observe,
    publish: (announcement) => io.out(exabgpCommand(announcement, settings.route)),
    policy: { riseCount: settings.riseCount, holdDownMs: settings.holdDownMs },
    intervalMs: settings.intervalMs,
    now: () => performance.now(),
    sleep: timerSleep,
    signal: stop.signal,
    onChange: (entry) => logger.warn(entry, `route: ${entry.announcement}`),
  });
  logger.info("announcer stopped, route withdrawn");
  logger.flush();
  process.stdin.destroy();
  return EXIT_OK;
}
