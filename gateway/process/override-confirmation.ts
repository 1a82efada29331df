/**
 * An ops override is done when every data plane serves with it — not when it was written. So
 * the admin API's answer waits until (1) the control state holds the override (at once when
 * stored locally; after the watch brings it back when stored in Consul KV), then (2) every
 * data plane confirmed that snapshot version. Past `timeoutMs` in all it fails, saying which
 * step did not finish: an override that did not reach every worker is never answered 200.
 */
import type { OpsOverride } from "../../routing-tables/snapshot.ts";
import { OverrideNotAppliedError } from "../admin/admin-api.ts";
import type { RoutingState } from "../state/routing-state.ts";
import type { Followers } from "./followers.ts";

/** Whether the state's override of a site is what was asked (undefined: restored). */
export function holdsOverride(
  current: OpsOverride | undefined,
  wanted: OpsOverride | undefined,
): boolean {
  if (wanted === undefined) return current === undefined;
  return Object.entries(wanted).every(
    ([key, value]) => current?.[key as keyof OpsOverride] === value,
  );
}

export async function confirmOverride(
  state: RoutingState,
  followers: Followers,
  site: string,
  wanted: OpsOverride | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const version = await inState(state, site, wanted, timeoutMs);
  try {
    await followers.confirm(version, Math.max(0, deadline - Date.now()));
  } catch (error) {
    throw new OverrideNotAppliedError((error as Error).message, { cause: error });
  }
}

/** The first snapshot version whose inputs hold the override. */
function inState(
  state: RoutingState,
  site: string,
  wanted: OpsOverride | undefined,
  timeoutMs: number,
): Promise<number> {
  if (holdsOverride(state.inputs.overrides[site], wanted))
    return Promise.resolve(state.snapshot.version);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new OverrideNotAppliedError(
          `the gateway's state did not take the override within ${timeoutMs} ms`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = state.subscribe((snapshot) => {
      if (!holdsOverride(state.inputs.overrides[site], wanted)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(snapshot.version);
    });
  });
}
