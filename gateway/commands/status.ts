/**
 * `gateway status [--admin URL | --fleet] [--watch] [--json]`: the network as a running
 * gateway's admin API sees it, as tables (status-table.ts) or JSON — the same facts as the ops
 * view's page. One gateway reads `/sites`; `--fleet` reads the admin API's fleet view
 * (`/ui/view?fleet=1`: that gateway asks every other one). `--watch` draws again every
 * `--interval-ms` (bounded both ways) until Ctrl-C or `--count` draws; a read that fails is
 * drawn as the failure, and the next one tries again.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describeFailure, getBounded } from "../ui/bounded-get.ts";
import { type OpsView, opsView } from "../ui/ops-view.ts";
import { readSitesBody } from "../ui/sites-body.ts";
import {
  type CommandIo,
  EXIT_INVALID,
  EXIT_OK,
  EXIT_USAGE,
  parseCommandArgs,
  processIo,
  wholeOption,
} from "./io.ts";
import { statusTable } from "./status-table.ts";

export const STATUS_USAGE = `usage: gateway status [--admin URL | --fleet] [--watch] [--json]
  Every site's state, health, dial, traffic share, breaker and RTT, as a gateway sees them.
  --admin URL        the gateway's admin API (default http://127.0.0.1:9090)
  --fleet            every gateway of the fleet, as that gateway finds them (Consul; the demo)
  --service NAME     one service's share (default: every service, up to 4)
  --from GATEWAY     with --fleet: whose shares, breakers and RTT (default: the asked gateway)
  --watch            draw again every --interval-ms, until Ctrl-C or --count draws
  --interval-ms N    between draws, ms (default 2000; 500 to 60000)
  --count N          with --watch: stop after N draws (1 to 1000000)
  --timeout-ms N     a read not answered by then fails, ms (default 10000; 100 to 120000)
  --json             the view as JSON (with --watch: one line per draw)
  $GATEWAY_ADMIN_TOKEN, when set, is sent as the bearer token (wanted off loopback).`;

const OPTIONS = {
  admin: { type: "string", default: "http://127.0.0.1:9090" },
  fleet: { type: "boolean", default: false },
  service: { type: "string" },
  from: { type: "string" },
  watch: { type: "boolean", default: false },
  "interval-ms": { type: "string", default: "2000" },
  count: { type: "string" },
  "timeout-ms": { type: "string", default: "10000" },
  json: { type: "boolean", default: false },
} as const;

/** The largest answer read: a fleet view of the most gateways the ops view watches. */
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

interface StatusSettings {
  readonly url: URL;
  readonly fleet: boolean;
  readonly json: boolean;
  readonly service: string | undefined;
  readonly from: string | undefined;
  readonly watch: boolean;
  readonly intervalMs: number;
  readonly count: number | undefined;
  readonly timeoutMs: number;
  readonly token: string | undefined;
}

/** `env`: where GATEWAY_ADMIN_TOKEN is read (tests give their own). */
export async function statusCommand(
  args: readonly string[],
  io: CommandIo,
  _signals?: unknown,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const parsed = parseCommandArgs(
    "status",
    STATUS_USAGE,
    { args: [...args], options: OPTIONS },
    io,
  );
  if (!parsed) return EXIT_USAGE;
  let settings: StatusSettings;
  try {
    settings = statusSettings(parsed.values, env.GATEWAY_ADMIN_TOKEN);
  } catch (error) {
    io.err(`gateway status: ${(error as Error).message}\n${STATUS_USAGE}`);
    return EXIT_USAGE;
  }
  if (!settings.watch) {
    const drawn = await draw(settings);
    (drawn.ok ? io.out : io.err)(drawn.text);
    return drawn.ok ? EXIT_OK : EXIT_INVALID;
  }
  // A terminal is cleared and drawn over (as watch(1)); anything else gets one draw after another.
  const clear = io === processIo && process.stdout.isTTY && !settings.json ? "\x1b[H\x1b[2J" : "";
  for (let n = 1; ; n++) {
    const drawn = await draw(settings);
    io.out(`${clear}${drawn.text}${settings.json || clear ? "" : "\n"}`);
    if (settings.count !== undefined && n >= settings.count) return EXIT_OK;
    await sleep(settings.intervalMs);
  }
}

function statusSettings(
  values: Record<string, unknown>,
  token: string | undefined,
): StatusSettings {
  let url: URL;
  try {
    url = new URL(String(values.admin));
  } catch {
    throw new Error(`--admin takes a URL, not "${values.admin}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new Error(`--admin takes an http or https URL, not "${values.admin}"`);
  return {
    url,
    fleet: values.fleet === true,
    json: values.json === true,
    service: values.service as string | undefined,
    from: values.from as string | undefined,
    watch: values.watch === true,
    intervalMs: wholeOption(values, "interval-ms", 500, 60_000),
    count: values.count === undefined ? undefined : wholeOption(values, "count", 1, 1_000_000),
    timeoutMs: wholeOption(values, "timeout-ms", 100, 120_000),
    token: token || undefined,
  };
}

/** One read and its text (table or JSON), or the failure in words. */
async function draw(settings: StatusSettings): Promise<{ ok: boolean; text: string }> {
  const at = new Date().toISOString();
  try {
    const view = await readView(settings);
    if (settings.json) return { ok: true, text: JSON.stringify(view) };
    const table = statusTable(view, { service: settings.service, from: settings.from });
    return { ok: true, text: `${table}\n\nread ${settings.url.origin} at ${at}` };
  } catch (error) {
    const reason = describeFailure(error as Error, settings.timeoutMs);
    const text = `gateway status: cannot read ${settings.url.origin}: ${reason} (${at})`;
    return { ok: false, text: settings.json ? JSON.stringify({ error: text }) : text };
  }
}

async function readView(settings: StatusSettings): Promise<OpsView> {
  const path = settings.fleet ? "ui/view?fleet=1" : "sites";
  const base = settings.url.href.endsWith("/") ? settings.url.href : `${settings.url.href}/`;
  const text = await getBounded(new URL(path, base), {
    timeoutMs: settings.timeoutMs,
    maxBodyBytes: MAX_ANSWER_BYTES,
    ...(settings.token && { headers: { authorization: `Bearer ${settings.token}` } }),
  });
  const answer: unknown = JSON.parse(text);
  if (settings.fleet) {
    const view = answer as OpsView;
    if (!Array.isArray(view?.sites) || !Array.isArray(view?.gateways))
      throw new Error("the answer is not an ops view (an admin API without /ui?)");
    return view;
  }
  const read = readSitesBody(answer);
  if (!read.ok) throw new Error(read.error);
  const self = read.body.ingress ?? "?";
  const report = { id: self, ingress: self, reachable: true as const, body: read.body };
  return opsView({ mode: "single", self, reports: [report], project: () => null });
}
