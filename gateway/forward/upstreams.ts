/**
 * The backends of every site: an undici Pool per backend (keep-alive, bounded connections),
 * a breaker per backend and per site, the count of requests outstanding on each, and per
 * site the witnesses of counted upstream statuses (try-failure.ts).
 * `sync` follows catalogue changes: pools of backends that left are closed, new ones opened.
 *
 * The ejection cap (health/ejection-cap.ts) is enforced here, where every breaker is known:
 * a breaker may open only while the capacity breakers have taken out stays within
 * `maxEjectionPercent` of the world's (the first site may always lose its own), and a
 * backend breaker never takes a site's last closed backend: a whole site leaves only by its
 * site breaker (its connects fail) or by active checks. An open or half-open breaker counts
 * as ejected; a backend is worth its site's capacity over its site's backend count.
 *
 * A site whose catalogue entry asks for `upstreamTls` gets `https://` pools made with the
 * material the control plane read and checked (`setTls`); a pool made with other material (a
 * rotated CA bundle, a renewed client certificate) is replaced at the next sync. Until its
 * material is here such a site's pools refuse to connect: never plain HTTP instead.
 */
import { Pool } from "undici";
import { DEFAULT_MAX_EJECTION_PERCENT, mayEject } from "../../health/ejection-cap.ts";
import { FailureWitnesses } from "../../health/failure-witnesses.ts";
import type { SiteView } from "../../routing-tables/snapshot.ts";
import { Breaker, type BreakerSettings, type BreakerState } from "./breaker.ts";
import { ConnectionSlots } from "./connection-slots.ts";
import { tlsConnect, type UpstreamTlsOptions } from "./upstream-tls-connect.ts";

export type { UpstreamTlsOptions } from "./upstream-tls-connect.ts";

export interface PoolSettings {
  /** Connections per backend. */
  readonly connections: number;
  /** Idle keep-alive connections are closed after this long, ms. */
  readonly keepAliveTimeoutMs: number;
  /** Connect timeout, ms. */
  readonly connectTimeoutMs: number;
  /** Longest wait for a free connection when all `connections` are busy, ms. */
  readonly queueTimeoutMs: number;
}

/** What a pool was made with: "" plain, "missing" TLS without material yet, else the fingerprint. */
type TlsMark = string;

export interface Backend {
  /** `site/host:port`, the name in logs and metrics. */
  readonly id: string;
  readonly address: string;
  readonly tls: TlsMark;
  readonly pool: Pool;
  readonly breaker: Breaker<unknown>;
  /** One per pool connection: an exchange holds one from dispatch to the end of its body. */
  readonly slots: ConnectionSlots;
  outstanding: number;
}

export interface SiteUpstream {
  readonly siteId: string;
  breaker: Breaker<unknown>;
  /** The capacity the site breaker was made with. */
  capacity: number;
  backends: readonly Backend[];
  /** Who saw this site's counted upstream statuses lately. */
  readonly witnesses: FailureWitnesses;
  /** The material its pools were made with, when the site has upstream TLS and it is here. */
  tls?: UpstreamTlsOptions | undefined;
}

export type BreakerListener = (scope: "site" | "backend", id: string, state: BreakerState) => void;

export interface UpstreamSettings {
  readonly pool: PoolSettings;
  /** A site breaker's capacity is the site's catalogue `capacity` (concurrent requests). */
  readonly siteBreaker: Omit<BreakerSettings, "capacity">;
  readonly backendBreaker: BreakerSettings;
  readonly onBreaker: BreakerListener;
  /** Share of the world's capacity breakers may take out, %; default 10 (Envoy's). */
  readonly maxEjectionPercent?: number;
}

export class Upstreams {
  readonly #settings: UpstreamSettings;
  readonly #sites = new Map<string, SiteUpstream>();
  #tls: Readonly<Record<string, UpstreamTlsOptions>> = {};
  #synced: readonly SiteView[] = [];

  constructor(settings: UpstreamSettings) {
    this.#settings = settings;
  }

  /** The pool settings every backend is opened with. */
  get pool(): PoolSettings {
    return this.#settings.pool;
  }

  site(id: string): SiteUpstream | undefined {
    return this.#sites.get(id);
  }

  all(): IterableIterator<SiteUpstream> {
    return this.#sites.values();
  }

  /** New upstream TLS material: pools made with other material are replaced now. */
  setTls(material: Readonly<Record<string, UpstreamTlsOptions>>): Promise<void> {
    this.#tls = material;
    return this.sync(this.#synced);
  }

  /** Makes the pools match the sites' backend lists; returns the pools it closed. */
  sync(sites: readonly SiteView[]): Promise<void> {
    this.#synced = sites;
    const closing: Promise<void>[] = [];
    const wanted = new Set(sites.map((s) => s.id));
    for (const [id, upstream] of this.#sites) {
      if (wanted.has(id)) continue;
      closing.push(...upstream.backends.map((b) => this.#close(b)));
      upstream.breaker.shutdown();
      this.#sites.delete(id);
    }
    for (const site of sites) {
      const known = this.#sites.get(site.id);
      // A breaker's capacity is fixed at birth: a changed site capacity gets a new breaker.
      const capacity = site.config.capacity;
      if (known && known.capacity !== capacity) {
        known.breaker.shutdown();
        known.breaker = this.#siteBreaker(site.id, capacity);
        known.capacity = capacity;
      }
      const upstream = known ?? this.#newSite(site);
      const addresses = site.config.backends ?? [];
      const mark = this.#tlsMark(site);
      upstream.tls = mark === "" || mark === "missing" ? undefined : this.#tls[site.id];
      const kept = upstream.backends.filter((b) => addresses.includes(b.address) && b.tls === mark);
      closing.push(
        ...upstream.backends.filter((b) => !kept.includes(b)).map((b) => this.#close(b)),
      );
      const have = new Set(kept.map((b) => b.address));
      upstream.backends = [
        ...kept,
        ...addresses.filter((a) => !have.has(a)).map((a) => this.#newBackend(site.id, a, mark)),
      ];
    }
    return Promise.all(closing).then(() => undefined);
  }

  async close(): Promise<void> {
    await this.sync([]);
  }

  #siteBreaker(siteId: string, capacity: number): Breaker<unknown> {
    const { siteBreaker, onBreaker } = this.#settings;
    const settings = { ...siteBreaker, capacity };
    const mayOpen = () => this.#mayEject(siteId, capacity);
    return new Breaker<unknown>(`site:${siteId}`, settings, (s) => onBreaker("site", siteId, s), {
      mayOpen,
    });
  }

  #newSite(site: SiteView): SiteUpstream {
    const capacity = site.config.capacity;
    const breaker = this.#siteBreaker(site.id, capacity);
    const witnesses = new FailureWitnesses();
    const upstream: SiteUpstream = { siteId: site.id, breaker, capacity, backends: [], witnesses };
    this.#sites.set(site.id, upstream);
    return upstream;
  }

  /** Whether a site's pools speak TLS, and with which material. */
  #tlsMark(site: SiteView): TlsMark {
    if (!site.config.upstreamTls) return "";
    return this.#tls[site.id]?.fingerprint ?? "missing";
  }

  #newBackend(siteId: string, address: string, tls: TlsMark): Backend {
    const { pool, backendBreaker, onBreaker } = this.#settings;
    const id = `${siteId}/${address}`;
    const backend: Backend = {
      id,
      address,
      tls,
      pool: new Pool(`${tls === "" ? "http" : "https"}://${address}`, {
        connections: pool.connections,
        keepAliveTimeout: pool.keepAliveTimeoutMs,
        connectTimeout: pool.connectTimeoutMs,
        pipelining: 1,
        ...(tls !== "" && {
          connect: tlsConnect(address, tls === "missing" ? undefined : this.#tls[siteId]),
        }),
      }),
      breaker: new Breaker<unknown>(
        `backend:${id}`,
        backendBreaker,
        (s) => onBreaker("backend", id, s),
        { mayOpen: () => this.#mayEjectBackend(siteId, backend) },
      ),
      slots: new ConnectionSlots(pool.connections, pool.queueTimeoutMs),
      outstanding: 0,
    };
    return backend;
  }

  /** May this backend's breaker open: not the site's last closed one, and within the cap? */
  #mayEjectBackend(siteId: string, backend: Backend): boolean {
    const site = this.#sites.get(siteId);
    if (!site) return false;
    const othersClosed = site.backends.some((b) => b !== backend && b.breaker.state === "closed");
    if (!othersClosed) return false;
    const share = site.capacity / Math.max(1, site.backends.length);
    return this.#mayEject(siteId, ejectedIn(site) + share);
  }

  /** Would `after` (the capacity ejected in this site, if it happens) keep within the cap? */
  #mayEject(siteId: string, after: number): boolean {
    let total = 0;
    let elsewhere = 0;
    for (const site of this.#sites.values()) {
      total += site.capacity;
      if (site.siteId !== siteId) elsewhere += ejectedIn(site);
    }
    const percent = this.#settings.maxEjectionPercent ?? DEFAULT_MAX_EJECTION_PERCENT;
    return mayEject(elsewhere, Math.min(after, total), total, percent);
  }

  async #close(backend: Backend): Promise<void> {
    backend.breaker.shutdown();
    await backend.pool.close().catch(() => backend.pool.destroy());
  }
}

/** Capacity a site's breakers have taken out: all of it, or its backends' shares. */
function ejectedIn(site: SiteUpstream): number {
  if (site.breaker.state !== "closed") return site.capacity;
  const share = site.capacity / Math.max(1, site.backends.length);
  let ejected = 0;
  for (const backend of site.backends) if (backend.breaker.state !== "closed") ejected += share;
  return ejected;
}

/**
 * Least outstanding requests by the power of two choices: two distinct backends drawn at
 * random among those whose breaker is not open, the one with fewer requests in flight wins.
 */
export function pickBackend(
  backends: readonly Backend[],
  random: () => number,
  exclude?: ReadonlySet<Backend>,
): Backend | undefined {
  let first: Backend | undefined;
  let second: Backend | undefined;
  let seen = 0;
  // Reservoir-sample two of the closed-breaker backends without allocating a filtered list.
  for (const backend of backends) {
    if (backend.breaker.isOpen || exclude?.has(backend)) continue;
    seen += 1;
    if (seen === 1) first = backend;
    else if (seen === 2) second = backend;
    else {
      const slot = Math.floor(random() * seen);
      if (slot === 0) first = backend;
      else if (slot === 1) second = backend;
    }
  }
  if (!first || !second) return first;
  if (first.outstanding === second.outstanding) return random() < 0.5 ? first : second;
  return second.outstanding < first.outstanding ? second : first;
}
