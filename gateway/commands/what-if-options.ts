/**
 * The options `simulate` and `diff` share, read into what a what-if run needs: the catalogue,
 * the scenario steps, the simulation settings, and a reader for the traffic mix.
 */
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { formatConfigError } from "../../routing-tables/config-error.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import type { MixRow, SimulateOptions } from "../../routing-tables/simulate.ts";
import type { Simulation } from "../../routing-tables/simulation.ts";
import { openClientLocator } from "../client-facts/client-locator.ts";
import { createGeoCache } from "../client-facts/geo-cache.ts";
import { DEMO_GEOIP, DEMO_PLACES, REFERENCE_CATALOGUE } from "../config/config-files.ts";
import {
  DEFAULT_MIX_LIMITS,
  MIX_FORMATS,
  type MixLimits,
  type MixReport,
  mixFormatOf,
  rateScale,
  readMix,
} from "../what-if/mix-source.ts";
import { readScenario, type ScenarioStep, stateStep } from "../what-if/scenario.ts";
import { runWhatIf } from "../what-if/what-if-run.ts";
import { type CommandIo, EXIT_INVALID, EXIT_USAGE } from "./io.ts";

export const WHAT_IF_OPTIONS = {
  catalogue: { type: "string", default: REFERENCE_CATALOGUE },
  mix: { type: "string", default: DEMO_PLACES },
  "mix-format": { type: "string" },
  state: { type: "string", default: "" },
  "total-rps": { type: "string" },
  "service-time-ms": { type: "string", default: "100" },
  ingress: { type: "string" },
  geoip: { type: "string", default: DEMO_GEOIP },
  "max-rows": { type: "string", default: String(DEFAULT_MIX_LIMITS.maxRows) },
  "max-mix-bytes": { type: "string", default: String(DEFAULT_MIX_LIMITS.maxFileBytes) },
  "max-line-chars": { type: "string", default: String(DEFAULT_MIX_LIMITS.maxLineChars) },
  json: { type: "boolean", default: false },
} as const;

export const WHAT_IF_USAGE = `  --catalogue FILE       site catalogue (default: the reference world)
  --mix FILE             traffic mix (default: the demo world's places, 100 requests/s each)
  --mix-format F         ${MIX_FORMATS.join(" | ")} (default: by extension .json .csv .ndjson/.jsonl .log)
  --state LIST           site states, e.g. cdg=degraded:0.4,dar=down,gru=compromised,fra=draining,lhr=healthy
  --total-rps N          scale the mix to N requests/s in all
  --service-time-ms N    mean time a request holds a site's slot (default 100): capacity × 1000 / N = requests/s
  --ingress SITE         ingress for rows of unknown location (default: none; they count as no_ingress)
  --geoip FILE           GeoIP2 City database for rows with an ip (default: the demo world's)
  --max-rows N           most mix rows read (default ${DEFAULT_MIX_LIMITS.maxRows}); more fails the run
  --max-mix-bytes N      largest mix file (default ${DEFAULT_MIX_LIMITS.maxFileBytes})
  --max-line-chars N     longest mix line (default ${DEFAULT_MIX_LIMITS.maxLineChars}); longer lines are refused rows
  --json                 print JSON`;

export type WhatIfValues = {
  readonly [K in keyof typeof WHAT_IF_OPTIONS]?: (typeof WHAT_IF_OPTIONS)[K]["type"] extends "boolean"
    ? boolean
    : string | undefined;
};

export interface WhatIfSetup {
  readonly steps: readonly ScenarioStep[];
  readonly options: SimulateOptions;
  readonly totalRps: number | undefined;
  readonly read: (sink: (row: MixRow) => void) => Promise<MixReport>;
}

/** A number option: a finite number within [min, max], or the message saying what is wrong. */
export function numberOption(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number | string | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return text.trim() !== "" && Number.isFinite(n) && n >= min && n <= max
    ? n
    : `--${name}: expected a number from ${min} to ${max}, not "${text.slice(0, 40)}"`;
}

function limitsOf(values: WhatIfValues): MixLimits | string {
  const rows = numberOption("max-rows", values["max-rows"], 1, 100_000_000);
  const bytes = numberOption("max-mix-bytes", values["max-mix-bytes"], 1, 16 * 1024 ** 3);
  const line = numberOption("max-line-chars", values["max-line-chars"], 16, 16 * 1024 ** 2);
  for (const v of [rows, bytes, line]) if (typeof v === "string") return v;
  return {
    ...DEFAULT_MIX_LIMITS,
    maxRows: rows as number,
    maxFileBytes: bytes as number,
    maxLineChars: line as number,
  };
}

/** The steps: `--state`, then the scenario file's steps over it when given. */
function stepsOf(values: WhatIfValues, scenario: string | undefined, siteIds: ReadonlySet<string>) {
  const base = stateStep(values.state ?? "", siteIds);
  if (!base.ok || scenario === undefined) return base;
  return readScenario(scenario, siteIds, base.steps[0]?.states);
}

/**
 * Everything but the policies, or the messages (usage: true when the command line is wrong,
 * false when a file is).
 */
export function whatIfSetup(
  values: WhatIfValues,
  catalogue: CatalogueConfig,
  policy: PolicyConfig,
  scenario?: string,
): WhatIfSetup | { readonly usage: boolean; readonly errors: readonly string[] } {
  const siteIds = new Set(catalogue.sites.map((s) => s.id));
  const serviceTimeMs = numberOption(
    "service-time-ms",
    values["service-time-ms"],
    0.001,
    3_600_000,
  );
  const totalRps = numberOption("total-rps", values["total-rps"], 0, 1e12);
  const limits = limitsOf(values);
  const format = mixFormatOf(values.mix ?? DEMO_PLACES, values["mix-format"]);
  for (const v of [serviceTimeMs, totalRps, limits])
    if (typeof v === "string") return { usage: true, errors: [v] };
  if (!format)
    return { usage: true, errors: [`--mix-format: give one of ${MIX_FORMATS.join(", ")}`] };
  if (values.ingress !== undefined && !siteIds.has(values.ingress))
    return { usage: false, errors: [`--ingress: no site "${values.ingress}"`] };
  const steps = stepsOf(values, scenario, siteIds);
  if (!steps.ok) return { usage: false, errors: steps.errors.map(formatConfigError) };
  let locate: (address: string) => ClientLocation;
  try {
    const cache = createGeoCache(openClientLocator(values.geoip ?? DEMO_GEOIP));
    locate = (address) => cache.locate(address);
  } catch (error) {
    return { usage: false, errors: [(error as Error).message] };
  }
  const context = { locate, defaultHost: policy.services[0]?.hosts[0] ?? "", siteIds };
  const file = values.mix ?? DEMO_PLACES;
  return {
    steps: steps.steps,
    options: {
      serviceTimeMs: serviceTimeMs as number,
      ...(values.ingress && { defaultIngress: values.ingress }),
    },
    totalRps: totalRps as number | undefined,
    read: (sink) => readMix(file, format, context, sink, limits as MixLimits),
  };
}

export interface CommandRun {
  readonly setup: WhatIfSetup;
  readonly mix: MixReport;
  /** [policy][step] */
  readonly results: readonly (readonly Simulation[])[];
  readonly scale: number;
}

/** The mix's refused rows on stderr: the first few by line, then how many in all. */
export function reportMix(mix: MixReport, io: CommandIo): void {
  for (const bad of mix.errors) io.err(`${mix.file}:${bad.line}: ${bad.message}`);
  if (mix.badRows > mix.errors.length)
    io.err(`${mix.file}: … ${mix.badRows - mix.errors.length} more refused rows`);
  if (mix.badRows > 0) io.err(`${mix.file}: ${mix.badRows} row(s) refused, ${mix.rows} read`);
}

/**
 * Setup, one read of the mix into every (policy, step), the refused rows reported; or the
 * exit code once the errors are written (a mix with no usable row is invalid input).
 */
export async function runFromCommandLine(
  command: string,
  values: WhatIfValues,
  catalogue: CatalogueConfig,
  policies: readonly PolicyConfig[],
  io: CommandIo,
  scenario?: string,
): Promise<CommandRun | number> {
  const setup = whatIfSetup(values, catalogue, policies[0] as PolicyConfig, scenario);
  if ("errors" in setup) {
    for (const error of setup.errors) io.err(`gateway ${command}: ${error}`);
    return setup.usage ? EXIT_USAGE : EXIT_INVALID;
  }
  const world = { catalogue, policies, steps: setup.steps, options: setup.options };
  try {
    const { mix, results } = await runWhatIf(world, setup.read, setup.totalRps);
    reportMix(mix, io);
    if (mix.rows > 0) return { setup, mix, results, scale: rateScale(mix, setup.totalRps) };
    io.err(`gateway ${command}: ${mix.file}: no usable row`);
  } catch (error) {
    io.err(`gateway ${command}: ${(error as Error).message}`);
  }
  return EXIT_INVALID;
}
