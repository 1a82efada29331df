/**
 * The proxy benchmark's command line, read and checked in one place: every flag with its
 * default and bound (README.md lists them). A bad value is refused with the flag's name.
 */
import { parseArgs } from "node:util";
import { wholeArg } from "./cli-args.ts";
import { TARGET_NAMES, type TargetName } from "./targets.ts";
import { BODIES, type Body, OPEN_CONNECTIONS } from "./workload.ts";

export const MODES = ["closed", "open"] as const;
export type Mode = (typeof MODES)[number];

export interface BenchOptions {
  readonly mode: Mode;
  readonly rounds: number;
  /** Per run, s. */
  readonly seconds: number;
  /** Per target and body before round 1, s (closed loop). */
  readonly warmup: number;
  readonly targets: readonly TargetName[];
  readonly bodies: readonly Body[];
  /** `--load`: wrk or autocannon for the closed loop; undefined: wrk when installed. */
  readonly load: "wrk" | "autocannon" | undefined;
  /** Open model: percentages of bare undici's closed-loop saturation rate. */
  readonly ratePercents: readonly number[];
  /** Open model: keep-alive connections, the most requests in flight at once. */
  readonly openConnections: number;
  /** 0: no soak. */
  readonly soakSeconds: number;
  readonly soakEverySeconds: number;
  readonly soakTarget: TargetName | undefined;
  /**
   * Whose closed-loop saturation the soak's 50 % is of: the soaked target's own (default: a
   * soak is about memory at a load the target holds), or bare undici's (the open model's rule).
   */
  readonly soakRateOf: "target" | "bare";
  readonly profileDir: string | undefined;
  readonly keep: boolean;
  readonly json: boolean;
}

function choose<T extends string>(list: string | undefined, all: readonly T[], what: string): T[] {
  if (list === undefined) return [...all];
  const wanted = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = wanted.filter((w) => !all.includes(w as T));
  if (unknown.length > 0)
    throw new Error(`unknown ${what}: ${unknown.join(", ")} (valid: ${all.join(", ")})`);
  return all.filter((name) => wanted.includes(name));
}

export function readBenchOptions(args: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      mode: { type: "string", default: "closed" },
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "5" },
      warmup: { type: "string", default: "2" },
      only: { type: "string" },
      bodies: { type: "string" },
      load: { type: "string" },
      rates: { type: "string", default: "50,80" },
      "open-connections": { type: "string", default: String(OPEN_CONNECTIONS) },
      soak: { type: "string", default: "0" },
      "soak-every": { type: "string", default: "5" },
      "soak-target": { type: "string" },
      "soak-rate-of": { type: "string", default: "target" },
      "cpu-prof": { type: "string" },
      keep: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const mode = values.mode as Mode;
  if (!MODES.includes(mode)) throw new Error(`--mode takes ${MODES.join(" or ")}, not ${mode}`);
  const load = values.load;
  if (load !== undefined && load !== "wrk" && load !== "autocannon")
    throw new Error(`--load takes wrk or autocannon, not ${load}`);
  const soakTarget = values["soak-target"];
  const soakRateOf = values["soak-rate-of"];
  if (soakRateOf !== "target" && soakRateOf !== "bare")
    throw new Error(`--soak-rate-of takes target or bare, not ${soakRateOf}`);
  const targets = choose(values.only, TARGET_NAMES, "target");
  const soakSeconds = wholeArg(values.soak, "soak", 0, 86_400);
  const soaked =
    soakTarget === undefined ? undefined : choose(soakTarget, TARGET_NAMES, "soak target")[0];
  // Checked here, not after the rounds (an hour of them, maybe): the soak's target must run.
  const wanted = soaked ?? (targets.includes("gateway-deployed") ? "gateway-deployed" : "gateway");
  if (soakSeconds > 0 && !targets.includes(wanted))
    throw new Error(`--soak needs ${wanted} in --only`);
  return {
    mode,
    rounds: wholeArg(values.rounds, "rounds", 1, 100),
    seconds: wholeArg(values.seconds, "seconds", 1, 3_600),
    warmup: wholeArg(values.warmup, "warmup", 0, 600),
    targets,
    bodies: choose(
      values.bodies,
      BODIES.map((b) => b.name),
      "body",
    ).map((name) => BODIES.find((b) => b.name === name) as Body),
    load,
    ratePercents: [
      ...new Set(values.rates.split(",").map((r) => wholeArg(r.trim(), "rates", 1, 100))),
    ],
    openConnections: wholeArg(values["open-connections"], "open-connections", 1, 4_096),
    soakSeconds,
    soakEverySeconds: wholeArg(values["soak-every"], "soak-every", 1, 600),
    soakTarget: soaked,
    soakRateOf,
    profileDir: values["cpu-prof"],
    keep: values.keep,
    json: values.json,
  };
}
