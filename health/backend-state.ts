/**
 * A backend's up/down with rise/fall hysteresis (HAProxy's `rise 2 fall 3`): it goes down
 * after `fall` failures in a row and comes back after `rise` successes in a row. It starts
 * up, so a new gateway routes before its first probe answers (retries cover the gap).
 */
export interface RiseFall {
  readonly rise: number;
  readonly fall: number;
}

export const HAPROXY_RISE_FALL: RiseFall = Object.freeze({ rise: 2, fall: 3 });

export interface BackendState {
  readonly up: boolean;
  /** Consecutive results against the current state (successes while down, failures while up). */
  readonly streak: number;
}

export const NEW_BACKEND: BackendState = Object.freeze({ up: true, streak: 0 });

export function observeBackend(state: BackendState, ok: boolean, riseFall: RiseFall): BackendState {
  if (ok === state.up) return state.streak === 0 ? state : { up: state.up, streak: 0 };
  const streak = state.streak + 1;
  const flips = state.up ? streak >= riseFall.fall : streak >= riseFall.rise;
  return flips ? { up: !state.up, streak: 0 } : { up: state.up, streak };
}
