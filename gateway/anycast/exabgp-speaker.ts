/**
 * The BGP speaker adapter: ExaBGP's process API. ExaBGP runs the announcer and reads one
 * text command per line from its stdout (`announce route …` / `withdraw route …`), sending
 * the matching UPDATE to every neighbour the process is attached to. This module is the
 * only one that knows that syntax.
 *
 * De-preference is either a MED (compared by routers between paths from the same
 * neighbouring AS, after local-pref and AS-path length) or an AS-path prepend (compared
 * before MED, and honoured across providers). ExaBGP sends the AS path it is given as it
 * is, so a prepend of n is the local AS written n + 1 times.
 */
import type { Announcement } from "./announce-decision.ts";

export type Depreference =
  | { readonly kind: "med"; readonly med: number }
  | { readonly kind: "prepend"; readonly count: number; readonly localAs: number };

export interface SpeakerRoute {
  /** The VIP as a prefix, e.g. 203.0.113.10/32. */
  readonly prefix: string;
  /** `self` or an address. */
  readonly nextHop: string;
  /** MED sent with a preferred route (0 unless set). */
  readonly med: number;
  readonly deprefer: Depreference;
}

/** The ExaBGP command line for one announcement. */
export function exabgpCommand(announcement: Announcement, route: SpeakerRoute): string {
  const base = `route ${route.prefix} next-hop ${route.nextHop}`;
  if (announcement === "withdraw") return `withdraw ${base}`;
  if (announcement === "announce") return `announce ${base} med ${route.med}`;
  const { deprefer } = route;
  if (deprefer.kind === "med") return `announce ${base} med ${deprefer.med}`;
  const path = Array.from({ length: deprefer.count + 1 }, () => deprefer.localAs).join(" ");
  return `announce ${base} med ${route.med} as-path [ ${path} ]`;
}

const DEPREFERENCE = /^(med|prepend):(\d{1,10})$/;

/**
 * Parses `med:N` (0 ≤ N < 2^32) or `prepend:N` (1 ≤ N ≤ 10; needs the local AS); an error
 * names what is wrong.
 */
export function parseDepreference(text: string, localAs?: number): Depreference {
  const match = DEPREFERENCE.exec(text);
  if (!match) throw new Error(`--deprefer takes med:N or prepend:N, not "${text}"`);
  const value = Number(match[2]);
  if (match[1] === "med") {
    if (value > 4_294_967_295) throw new Error(`--deprefer med:${value}: a MED is below 2^32`);
    return { kind: "med", med: value };
  }
  if (value < 1 || value > 10) throw new Error(`--deprefer prepend:${value}: prepend 1 to 10`);
  if (localAs === undefined) throw new Error("--deprefer prepend:N needs --local-as");
  return { kind: "prepend", count: value, localAs };
}

/**
 * A neighbour state change ExaBGP writes to its processes when the neighbour's `api` block
 * has `neighbor-changes;` (text encoder): `neighbor ADDR up`, `neighbor ADDR down - REASON`.
 * Anything else (acknowledgements, `connected`, updates) is undefined.
 */
export function neighborChange(line: string): { peer: string; up: boolean } | undefined {
  const match = /^neighbor (\S+) (up|down)\b/.exec(line.trim());
  if (!match?.[1]) return undefined;
  return { peer: match[1], up: match[2] === "up" };
}
