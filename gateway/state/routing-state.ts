/**
 * The live routing state of one gateway: the inputs of a snapshot (configs, health, ops
 * overrides, measured RTTs) and the snapshot built from them. One owner; every change builds
 * a whole new snapshot and swaps it in one assignment, so a request reads either the old
 * or the new, never a mix ("never nil", as fabio's table). Listeners hear of each swap, with
 * the inputs that changed.
 *
 * Two roles use this class. The leader (the control plane) changes inputs through the typed
 * setters below and numbers its snapshots 1, 2, 3…; a follower (each data plane) only
 * `follow`s what its leader published, under the leader's version number, so every worker of
 * a gateway serves from the same numbered snapshot.
 */
import type { CatalogueConfig, SiteConfig } from "../../routing-tables/catalogue-schema.ts";
import type { ConfigError } from "../../routing-tables/config-error.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import {
  buildSnapshot,
  type OpsOverride,
  type SiteHealth,
  type Snapshot,
} from "../../routing-tables/snapshot.ts";

export interface RoutingInputs {
  /** The catalogue file's (the seed, and the override: it wins over the fleet). */
  readonly catalogue: CatalogueConfig;
  /** Sites the fleet added (plug-and-play members the file does not list). */
  readonly fleetSites: readonly SiteConfig[];
  readonly policy: PolicyConfig;
  readonly health: Readonly<Record<string, SiteHealth>>;
  readonly overrides: Readonly<Record<string, OpsOverride>>;
  readonly measuredRttMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly discoveredBackends: Readonly<Record<string, readonly string[]>>;
  readonly coordinateRttMs: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export type InputsChange = Partial<RoutingInputs>;

export interface RejectedConfig {
  readonly atMs: number;
  readonly errors: readonly ConfigError[];
}

export type StateListener = (snapshot: Snapshot, change: InputsChange) => void;

type RtTable = Readonly<Record<string, number>>;

export class RoutingState {
  #inputs: RoutingInputs;
  #serving: CatalogueConfig;
  #snapshot: Snapshot;
  #builtAtMs: number;
  #rejected: RejectedConfig | undefined;
  readonly #now: () => number;
  readonly #listeners = new Set<StateListener>();

  constructor(
    inputs: Pick<RoutingInputs, "catalogue" | "policy"> & InputsChange,
    now = Date.now,
    version = 1,
  ) {
    this.#now = now;
    this.#inputs = {
      fleetSites: [],
      health: {},
      overrides: {},
      measuredRttMs: {},
      discoveredBackends: {},
      coordinateRttMs: {},
      ...inputs,
    };
    this.#serving = servingCatalogue(this.#inputs.catalogue, this.#inputs.fleetSites);
    this.#snapshot = buildSnapshot({ version, ...this.#inputs, catalogue: this.#serving });
    this.#builtAtMs = now();
  }

  /** The catalogue the snapshot serves: the file's sites, then the fleet's it does not list. */
  get catalogue(): CatalogueConfig {
    return this.#serving;
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

  /** Builds a snapshot from the changed inputs and swaps it in (whole fields replaced). */
  update(change: InputsChange): Snapshot {
    return this.#swap(change, this.#snapshot.version + 1);
  }

  /**
   * A follower takes its leader's change under the leader's version. A change older than the
   * snapshot in use is ignored (a leader's messages arrive in order; this guards a restart).
   */
  follow(version: number, change: InputsChange): Snapshot {
    if (version <= this.#snapshot.version && Object.keys(change).length > 0) return this.#snapshot;
    return this.#swap(change, version);
  }

  setConfig(config: { catalogue?: CatalogueConfig; policy?: PolicyConfig }): Snapshot {
    const change: InputsChange = {
      ...(config.catalogue && { catalogue: config.catalogue }),
      ...(config.policy && { policy: config.policy }),
    };
    return this.update(change);
  }

  /** Sites whose health changed; the others keep theirs. */
  setHealth(changed: Readonly<Record<string, SiteHealth>>): Snapshot {
    return this.update({ health: { ...this.#inputs.health, ...changed } });
  }

  /** This ingress's row of measured RTTs (ms to each site), replacing its last row. */
  setMeasuredRtt(ingress: string, row: RtTable): Snapshot {
    return this.update({ measuredRttMs: { ...this.#inputs.measuredRttMs, [ingress]: row } });
  }

  /** This ingress's row of RTTs estimated from Consul's network coordinates. */
  setCoordinateRtt(ingress: string, row: RtTable): Snapshot {
    return this.update({ coordinateRttMs: { ...this.#inputs.coordinateRttMs, [ingress]: row } });
  }

  /** The fleet's member sites (whole list replaced). */
  setFleetSites(sites: readonly SiteConfig[]): Snapshot {
    return this.update({ fleetSites: sites });
  }

  /** The backends a discovery source (Consul) says a site has now. */
  setDiscovered(siteId: string, backends: readonly string[]): Snapshot {
    return this.update({
      discoveredBackends: { ...this.#inputs.discoveredBackends, [siteId]: backends },
    });
  }

  /** One site's ops override merged in; undefined restores the site. */
  setOverride(siteId: string, override: OpsOverride | undefined): Snapshot {
    const overrides = { ...this.#inputs.overrides };
    if (override) overrides[siteId] = { ...overrides[siteId], ...override };
    else delete overrides[siteId];
    return this.update({ overrides });
  }

  /** The whole set of ops overrides (and the policy, when the same source holds it). */
  setOverrides(overrides: Readonly<Record<string, OpsOverride>>, policy?: PolicyConfig): Snapshot {
    return this.update({ overrides, ...(policy && { policy }) });
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

  subscribe(listener: StateListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #swap(change: InputsChange, version: number): Snapshot {
    const inputs = { ...this.#inputs, ...change };
    const serving =
      change.catalogue || change.fleetSites
        ? servingCatalogue(inputs.catalogue, inputs.fleetSites)
        : this.#serving;
    const snapshot = buildSnapshot({ version, ...inputs, catalogue: serving });
    this.#inputs = inputs;
    this.#serving = serving;
    this.#snapshot = snapshot;
    this.#builtAtMs = this.#now();
    if (change.catalogue || change.policy) this.#rejected = undefined;
    for (const listener of this.#listeners) listener(snapshot, change);
    return snapshot;
  }
}

/**
 * The file catalogue, then each fleet site it does not list (the file wins for a site in both:
 * it is what ops reviewed and deployed), in the order given.
 */
export function servingCatalogue(
  file: CatalogueConfig,
  fleet: readonly SiteConfig[],
): CatalogueConfig {
  if (fleet.length === 0) return file;
  const listed = new Set(file.sites.map((s) => s.id));
  const added = fleet.filter((s) => !listed.has(s.id));
  return added.length === 0 ? file : { ...file, sites: [...file.sites, ...added] };
}
