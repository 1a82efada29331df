/**
 * Breakers as a gateway sees them across its data planes. Each worker has breakers of its own
 * (each sees only its own traffic); health wants one state per site and per backend. The
 * gateway's state of a breaker is the worst any data plane reports (open, then half-open,
 * then closed): a site one worker cannot reach is not counted healthy because another has
 * not tried it yet. Pure bookkeeping: no clock, no I/O.
 */
import type { BreakerState } from "../forward/breaker.ts";

const RANK: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

export interface BreakerChange {
  readonly scope: "site" | "backend";
  readonly id: string;
  readonly state: BreakerState;
}

export class BreakerBoard {
  /** `scope:id` → member → that member's state of the breaker. */
  readonly #reports = new Map<string, Map<number, BreakerState>>();

  /** Records one member's report; returns the breaker's new worst state if it changed. */
  report(member: number, change: BreakerChange): BreakerChange | undefined {
    const key = `${change.scope}:${change.id}`;
    const before = this.#worst(key);
    let members = this.#reports.get(key);
    if (!members) {
      members = new Map();
      this.#reports.set(key, members);
    }
    if (change.state === "closed") members.delete(member);
    else members.set(member, change.state);
    if (members.size === 0) this.#reports.delete(key);
    const after = this.#worst(key);
    return after === before ? undefined : { scope: change.scope, id: change.id, state: after };
  }

  /** Forgets a member that is gone; returns the breakers whose worst state changed. */
  drop(member: number): BreakerChange[] {
    const changes: BreakerChange[] = [];
    for (const key of [...this.#reports.keys()]) {
      const members = this.#reports.get(key);
      if (!members?.has(member)) continue;
      const before = this.#worst(key);
      members.delete(member);
      if (members.size === 0) this.#reports.delete(key);
      const after = this.#worst(key);
      if (after === before) continue;
      const colon = key.indexOf(":");
      const scope = key.slice(0, colon) as BreakerChange["scope"];
      changes.push({ scope, id: key.slice(colon + 1), state: after });
    }
    return changes;
  }

  #worst(key: string): BreakerState {
    let worst: BreakerState = "closed";
    for (const state of this.#reports.get(key)?.values() ?? [])
      if (RANK[state] > RANK[worst]) worst = state;
    return worst;
  }
}
