/**
 * The ops overrides a gateway knows, as records (who, when, why, until when; state/
 * override-record.ts): the fleet's (from the place of record) and its own `--local` ones. It
 * is the one writer of the routing state's overrides, and it never forgets: every change is
 * written to `<stateDirectory>/ops-overrides.json` before routing uses it, and a gateway
 * starts from that file — so a gateway restarted while the place of record is away still
 * knows every compromise it had seen. A drain or dial that expires is dropped at its expiry
 * (a timer); a compromise never expires.
 */
import { z } from "zod";
import { SITE_ID_PATTERN } from "../../routing-tables/catalogue-schema.ts";
import {
  absorb,
  effectiveOverrides,
  nextExpiry,
  type OverrideAction,
  type OverrideRecord,
  type OverrideScope,
  type RecordSet,
  recordFacts,
  recordFor,
} from "../state/override-record.ts";
import type { RoutingState } from "../state/routing-state.ts";
import type { StateFile } from "../state/state-file.ts";

export const OVERRIDES_FILE = "ops-overrides.json";

const recordSchema = z.object({
  flags: z.object({
    draining: z.boolean().optional(),
    compromised: z.boolean().optional(),
    trafficDialPercent: z.number().min(0).max(100).optional(),
  }),
  generation: z.number().int().min(0),
  who: z.string().max(300),
  atMs: z.number(),
  why: z.string().max(1_000),
  expiresAtMs: z.number().optional(),
});
const recordsSchema = z.record(z.string().regex(SITE_ID_PATTERN), recordSchema);

export const overridesFileSchema = z.object({
  version: z.literal(1),
  savedAtMs: z.number(),
  fleet: recordsSchema,
  local: recordsSchema,
});

/** One site's override as /sites shows it. */
export interface OverrideView {
  readonly scope: OverrideScope;
  readonly flags: OverrideRecord["flags"];
  readonly generation: number;
  readonly who: string;
  readonly at: string;
  readonly why: string;
  readonly expiresAt?: string;
}

export interface OverrideBook {
  /** Takes in the place of record's records (newer ones win; absence changes nothing). */
  absorbFleet(records: RecordSet): void;
  /** Makes (or restores) this gateway's own override of a site. */
  setLocal(site: string, action: OverrideAction): OverrideRecord;
  fleet(): RecordSet;
  local(): RecordSet;
  /** The highest generation this gateway has seen for a site (a writer goes one above). */
  generationOf(site: string): number;
  /** Every record, fleet and local, for /sites. */
  view(): Record<string, OverrideView[]>;
  /** False when the last change could not be written to the state directory. */
  persisted(): boolean;
  close(): void;
}

export interface OverrideBookOptions {
  readonly state: RoutingState;
  readonly file: StateFile<z.output<typeof overridesFileSchema>>;
  readonly now: () => number;
  /** Told what the file said at start (missing, read, or moved aside as corrupt). */
  readonly onStart?: (how: string, detail?: string) => void;
  readonly onPersistError?: (error: Error) => void;
}

export function createOverrideBook(options: OverrideBookOptions): OverrideBook {
  const { state, file, now } = options;
  const kept = file.read();
  let fleet: RecordSet = kept.kind === "read" ? kept.value.fleet : {};
  let local: RecordSet = kept.kind === "read" ? kept.value.local : {};
  options.onStart?.(kept.kind, kept.kind === "corrupt" ? kept.error : undefined);
  let persistedOk = true;
  let timer: NodeJS.Timeout | undefined;
  const publish = () => {
    clearTimeout(timer);
    const at = now();
    const next = effectiveOverrides(fleet, local, at);
    if (JSON.stringify(next) !== JSON.stringify(state.inputs.overrides)) state.setOverrides(next);
    const expiry = nextExpiry([fleet, local], at);
    if (expiry !== undefined) {
      timer = setTimeout(publish, Math.min(expiry - at + 1, 2 ** 31 - 1));
      timer.unref();
    }
  };
  const save = () => {
    try {
      file.write({ version: 1, savedAtMs: now(), fleet, local });
      persistedOk = true;
    } catch (error) {
      persistedOk = false;
      options.onPersistError?.(error as Error);
    }
  };
  publish();
  return {
    absorbFleet: (records) => {
      const next = absorb(fleet, records);
      if (next === undefined) return;
      fleet = next;
      save();
      publish();
    },
    setLocal: (site, action) => {
      const record = recordFor(local[site], action, generationOf(site));
      local = { ...local, [site]: record };
      if (action.change === undefined) {
        const { [site]: _restored, ...rest } = local;
        local = rest;
      }
      save();
      publish();
      return record;
    },
    fleet: () => fleet,
    local: () => local,
    generationOf,
    view: () => {
      const out: Record<string, OverrideView[]> = {};
      for (const [scope, set] of [
        ["fleet", fleet],
        ["local", local],
      ] as const)
        for (const [site, record] of Object.entries(set))
          out[site] = [...(out[site] ?? []), viewOf(scope, record)];
      return out;
    },
    persisted: () => persistedOk,
    close: () => clearTimeout(timer),
  };

  function generationOf(site: string): number {
    return Math.max(fleet[site]?.generation ?? 0, local[site]?.generation ?? 0);
  }
}

function viewOf(scope: OverrideScope, record: OverrideRecord): OverrideView {
  return { scope, flags: record.flags, ...recordFacts(record) };
}
