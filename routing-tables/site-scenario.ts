/**
 * What-if site states: `cdg=degraded:0.4,dar=down,gru=compromised,fra=draining,lhr=healthy`,
 * the words of DESIGN.md's vocabulary, turned into the health and ops overrides a snapshot is
 * built from. A named site ends in exactly the named state, whatever it was before: `down`
 * clears a compromise, `healthy` clears health and ops flags alike (its traffic dial stays).
 * Pure; bounded by MAX_STATE_TEXT and the sites the catalogue knows.
 */
import type { OpsOverride, SiteHealth } from "./snapshot.ts";

export type ScenarioState =
  | { readonly state: "healthy" | "down" | "draining" | "compromised" }
  | { readonly state: "degraded"; readonly fraction: number };

/** Site id → state; applied over whatever the snapshot's inputs said. */
export type SiteStates = Readonly<Record<string, ScenarioState>>;

/** The longest `--state` text read (a few hundred sites' worth). */
export const MAX_STATE_TEXT = 16_384;

export type StatesResult =
  | { readonly ok: true; readonly states: SiteStates }
  | { readonly ok: false; readonly errors: readonly string[] };

const FRACTION = /^(0(\.\d{1,6})?|1(\.0{1,6})?|\.\d{1,6})$/;
const PLAIN = new Set(["healthy", "down", "draining", "compromised"]);

/** One state word: `down`, `degraded:0.4`, …; a string is the error. */
export function parseSiteState(word: string): ScenarioState | string {
  const [name = "", fraction, ...rest] = word.trim().split(":");
  if (PLAIN.has(name) && fraction === undefined)
    return { state: name as "healthy" | "down" | "draining" | "compromised" };
  if (name === "degraded" && rest.length === 0) {
    if (fraction === undefined || !FRACTION.test(fraction))
      return `"${word}": degraded takes a health fraction 0..1, e.g. degraded:0.4`;
    return { state: "degraded", fraction: Number(fraction) };
  }
  return `"${word.slice(0, 40)}": a state is healthy, degraded:FRACTION, down, draining or compromised`;
}

/**
 * `site=state,site=state`: every item checked against the known site ids; every error listed.
 * A site named twice is an error (which one was meant?).
 */
export function parseSiteStates(text: string, siteIds: ReadonlySet<string>): StatesResult {
  if (text.length > MAX_STATE_TEXT)
    return { ok: false, errors: [`a state list is at most ${MAX_STATE_TEXT} characters`] };
  const states: Record<string, ScenarioState> = {};
  const errors: string[] = [];
  for (const item of text.split(",")) {
    if (item.trim() === "") continue;
    const equals = item.indexOf("=");
    const site = item.slice(0, Math.max(0, equals)).trim();
    if (equals < 0) errors.push(`"${item.slice(0, 40)}": expected site=state`);
    else if (!siteIds.has(site)) errors.push(`"${site.slice(0, 40)}": no such site`);
    else if (Object.hasOwn(states, site)) errors.push(`"${site}": named twice`);
    else {
      const state = parseSiteState(item.slice(equals + 1));
      if (typeof state === "string") errors.push(`${site}: ${state}`);
      else states[site] = state;
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, states };
}

export interface StateInputs {
  readonly health: Readonly<Record<string, SiteHealth>>;
  readonly overrides: Readonly<Record<string, OpsOverride>>;
}

const DOWN: SiteHealth = Object.freeze({ state: "down", fraction: 0 });

/** The inputs with each named site set to its state; sites not named keep theirs. */
export function applySiteStates(base: StateInputs, states: SiteStates): StateInputs {
  const health: Record<string, SiteHealth> = { ...base.health };
  const overrides: Record<string, OpsOverride> = { ...base.overrides };
  for (const [site, scenario] of Object.entries(states)) {
    const { state } = scenario;
    // Health stays as measured under an ops flag (ops flags win in the snapshot anyway).
    if (scenario.state === "degraded")
      health[site] = { ...health[site], state: "degraded", fraction: scenario.fraction };
    else if (state === "healthy") delete health[site];
    else if (state === "down") health[site] = DOWN;
    overrides[site] = {
      ...overrides[site],
      draining: state === "draining",
      compromised: state === "compromised",
    };
  }
  return { health, overrides };
}
