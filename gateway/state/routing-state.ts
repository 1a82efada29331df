/**
 * The live routing state of one gateway: the inputs of a snapshot (configs, health, ops
 * overrides, measured RTTs) and the snapshot built from them. One owner; every change builds
 * a whole new snapshot and swaps it in one assignment, so a request reads either the old
 * or the new, never a mix ("never nil", as fabio's table). Listeners hear of each swap.
 */
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ConfigError } from "../../routing-tables/config-error.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import {
  buildSnapshot,
  type OpsOverride,
  type SiteHealth,
  type Snapshot,
} from "../../routing-tables/snapshot.ts";

export interface RoutingInputs {
  readonly catalogue: CatalogueConfig;
  readonly policy: PolicyConfig;
  readonly health: Readonly<Record<string, SiteHealth>>;
  readonly overrides: Readonly<Record<string, OpsOverride>>;
  readonly measuredRttMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly discoveredBackends: Readonly<Record<string, readonly string[]>>;
  readonly coordinateRttMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface RejectedConfig {
  readonly atMs: number;
  readonly errors: readonly ConfigError[];
}

export class RoutingState {
  #inputs: RoutingInputs;
  #snapshot: Snapshot;
  #builtAtMs: number;
  #rejected: RejectedConfig | undefined;
  readonly #now: () => number;
  readonly #listeners = new Set<(snapshot: Snapshot) => void>();

  constructor(
    inputs: Omit<
      RoutingInputs,
      "health" | "overrides" | "measuredRttMs" | "discoveredBackends" | "coordinateRttMs"
    > &
      Partial<RoutingInputs>,
    now = Date.now,
  ) {
    this.#now = now;
    this.#inputs = {
      ...inputs,
      health: inputs.health ?? {},
      overrides: inputs.overrides ?? {},
      measuredRttMs: inputs.measuredRttMs ?? {},
      discoveredBackends: inputs.discoveredBackends ?? {},
      coordinateRttMs: inputs.coordinateRttMs ?? {},
    };
    this.#snapshot = buildSnapshot({ version: 1, ...this.#inputs });
    this.#builtAtMs = now();
  }

  /** The snapshot to decide with; never undefined. */
  get snapshot(): Snapshot {
    return this.#snapshot;
  }

  get inputs(): RoutingInputs {
    return this.#inputs;
  }

  /** Age of the current snapshot, ms. */
  ageMs(): number {
    return this.#now() - this.#builtAtMs;
  }

  /** The last config that was refused (the one before it kept serving), if any. */
  get rejected(): RejectedConfig | undefined {
    return this.#rejected;
  }

  /** Builds a snapshot from the changed inputs and swaps it in. */
  update(change: Partial<RoutingInputs>): Snapshot {
    const inputs = { ...this.#inputs, ...change };
    const snapshot = buildSnapshot({ version: this.#snapshot.version + 1, ...inputs });
    this.#inputs = inputs;
    this.#snapshot = snapshot;
    this.#builtAtMs = this.#now();
    if (change.catalogue || change.policy) this.#rejected = undefined;
    for (const listener of this.#listeners) listener(snapshot);
    return snapshot;
  }

  /** Records a refused config; the current snapshot keeps serving. */
  reject(errors: readonly ConfigError[]): void {
    this.#rejected = { atMs: this.#now(), errors };
  }

  /**
   * Forgets the recorded rejection without a new snapshot — given `which`, only while that
   * is still the one recorded, so a later rejection by someone else stands.
   */
  clearRejection(which?: RejectedConfig): void {
    if (which === undefined || this.#rejected === which) this.#rejected = undefined;
  }

  setOverride(siteId: string, override: OpsOverride | undefined): Snapshot {
    const overrides = { ...this.#inputs.overrides };
    if (override) overrides[siteId] = { ...overrides[siteId], ...override };
    else delete overrides[siteId];
    return this.update({ overrides });
  }

  subscribe(listener: (snapshot: Snapshot) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
