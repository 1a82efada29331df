/**
 * The gateway's Prometheus metrics, in a registry of its own (no global state). Per-request
 * counters are bound to their label values once and kept in maps, so the request path does
 * not hash labels each time. The process metrics every Node service exports (`process_*`:
 * CPU, resident memory, open files; `nodejs_*`: heap spaces, event-loop delay, GC) are in
 * the same registry, read when scraped.
 */
import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { BreakerState } from "../forward/breaker.ts";
import type { RoutingState } from "./routing-state.ts";
import { ScrapedCounter, ScrapedHistogram } from "./scraped-metrics.ts";

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };

/** Buckets of the request and try histograms, seconds. */
const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Status codes as label text, made once each (the request path asks for a few over and over). */
const STATUS_TEXT = new Map<number, string>();
function statusText(status: number): string {
  let text = STATUS_TEXT.get(status);
  if (text === undefined) {
    text = String(status);
    if (STATUS_TEXT.size < 1_000) STATUS_TEXT.set(status, text);
  }
  return text;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  // The request path's families: plain numbers, read at scrape (scraped-metrics.ts).
  readonly #requests = new ScrapedCounter({
    name: "gateway_requests_total",
    help: "Requests answered, by serving site (or none), status (499: client left), error code (or ok) and service (or none)",
    labelNames: ["site", "status", "code", "service"],
  }).register(this.registry);
  readonly #duration = new ScrapedHistogram({
    name: "gateway_request_duration_seconds",
    help: "Time from request head to the last response byte sent, by serving site and service",
    labelNames: ["site", "service"],
    buckets: REQUEST_BUCKETS,
  }).register(this.registry);
  readonly #tries = new ScrapedCounter({
    name: "gateway_upstream_tries_total",
    help: "Tries against a site's backends, by outcome (ok, connect-failed, status, …)",
    labelNames: ["site", "outcome"],
  }).register(this.registry);
  readonly #tryDuration = new ScrapedHistogram({
    name: "gateway_upstream_try_duration_seconds",
    help: "Time from a try's start to its response head, by site (tries that got a head)",
    labelNames: ["site"],
    buckets: REQUEST_BUCKETS,
  }).register(this.registry);
  readonly #retries = new ScrapedCounter({
    name: "gateway_retries_total",
    help: "Tries after the first, by the reason the try before failed (its outcome)",
    labelNames: ["reason"],
  }).register(this.registry);
  readonly #budgetExhausted = new ScrapedCounter({
    name: "gateway_retry_budget_exhausted_total",
    help: "Retries not made because the retry budget was spent",
    labelNames: [],
  }).register(this.registry);
  readonly #servedElsewhere = new ScrapedCounter({
    name: "gateway_served_elsewhere_total",
    help: "Requests served by a site other than this ingress, by service and why (panic, failover, residency, spill, pin, primary)",
    labelNames: ["service", "reason"],
  }).register(this.registry);
  readonly #breaker = new Gauge({
    name: "gateway_breaker_state",
    help: "Circuit breaker state: 0 closed, 1 half-open, 2 open",
    labelNames: ["scope", "id"] as const,
    registers: [this.registry],
  });
  readonly panic = new Gauge({
    name: "gateway_panic",
    help: "1 when a service's decision from this ingress (client location unknown) is in panic",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });
  readonly spillRatio = new Gauge({
    name: "gateway_spill_ratio",
    help: "Share of a service's traffic from this ingress sent to a site by spill-over (location unknown)",
    labelNames: ["service"] as const,
    registers: [this.registry],
  });
  readonly siteState = new Gauge({
    name: "gateway_site_state",
    help: "1 for each site's state as this gateway sees it (healthy, degraded, down, draining, compromised), 0 for the other states",
    labelNames: ["site", "state"] as const,
    registers: [this.registry],
  });
  readonly siteRtt = new Gauge({
    name: "gateway_site_rtt_seconds",
    help: "Round-trip time from this ingress to each site as routing uses it (measured where known, else estimated)",
    labelNames: ["site"] as const,
    registers: [this.registry],
    aggregator: "max",
  });
  readonly opsOverrides = new Counter({
    name: "gateway_ops_overrides_total",
    help: "Ops overrides this gateway's admin API applied, by site and action (drain, compromise, restore)",
    labelNames: ["site", "action"] as const,
    registers: [this.registry],
  });
  readonly siteHealth = new Gauge({
    name: "gateway_site_health",
    help: "Health fraction of each site as this gateway sees it, 0..1 (ops flags aside)",
    labelNames: ["site"] as const,
    registers: [this.registry],
  });
  readonly snapshotVersion = new Gauge({
    name: "gateway_snapshot_version",
    help: "Version of the routing snapshot in use",
    registers: [this.registry],
  });
  readonly connectionsRefused = new Counter({
    name: "gateway_connections_refused_total",
    help: "Client connections closed as they were accepted because limits.maxConnections were open",
    registers: [this.registry],
  });
  readonly #upgrades = new Counter({
    name: "gateway_upgrades_total",
    help: "Upgrade (WebSocket) requests, counted when the connection closes, by serving site (or none), status (101: switched) and code (ok, an error code, idle_timeout, client_closed)",
    labelNames: ["site", "status", "code"] as const,
    registers: [this.registry],
  });
  readonly upgradesActive = new Gauge({
    name: "gateway_upgrades_active",
    help: "Upgrade (WebSocket) connections open now",
    registers: [this.registry],
  });
  readonly configRejected = new Counter({
    name: "gateway_config_rejected_total",
    help: "Catalogue/policy reloads refused (the last good config kept serving)",
    registers: [this.registry],
  });
  readonly #dnsAnswers = new ScrapedCounter({
    name: "gateway_dns_answers_total",
    help: "Look-ups PowerDNS's remote backend asked, by outcome (answer, nodata, nxdomain, refused, servfail, bad_request) and the site answered (or none)",
    labelNames: ["outcome", "site"],
  }).register(this.registry);
  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * Reports the routing state's snapshot age and whether its latest config was refused, read
   * at every scrape (so they cannot disagree with the state). Call once per registry.
   */
  trackRoutingState(state: Pick<RoutingState, "ageMs" | "rejected">): void {
    new Gauge({
      name: "gateway_snapshot_age_seconds",
      help: "Age of the routing snapshot in use",
      registers: [this.registry],
      collect() {
        this.set(state.ageMs() / 1000);
      },
    });
    new Gauge({
      name: "gateway_config_rejected",
      help: "1 while the latest catalogue/policy (file or Consul KV) is refused and the last good serves",
      registers: [this.registry],
      collect() {
        this.set(state.rejected === undefined ? 0 : 1);
      },
    });
  }

  /** Reports how old each site's last Consul answer is, read at every scrape. */
  trackConsul(
    statuses: () => readonly { site: string; lastAnswerAtMs?: number; consecutiveErrors: number }[],
    now: () => number,
  ): void {
    new Gauge({
      name: "gateway_consul_answer_age_seconds",
      help: "Age of the last Consul answer per site (staleness; -1 before the first answer)",
      labelNames: ["site"] as const,
      registers: [this.registry],
      collect() {
        for (const s of statuses())
          this.labels(s.site).set(
            s.lastAnswerAtMs === undefined ? -1 : (now() - s.lastAnswerAtMs) / 1000,
          );
      },
    });
    new Gauge({
      name: "gateway_consul_errors",
      help: "Failed Consul queries in a row per site (routing keeps the last answer meanwhile)",
      labelNames: ["site"] as const,
      registers: [this.registry],
      collect() {
        for (const s of statuses()) this.labels(s.site).set(s.consecutiveErrors);
      },
    });
  }

  /**
   * Reports the GeoIP database's refused reloads and failed look-ups, read at every scrape.
   * Call once per registry.
   */
  trackGeoip(
    status: () => { rejectedReloads: number; lastError: string | null; lookupFailures: number },
  ): void {
    new Counter({
      name: "gateway_geoip_reloads_rejected_total",
      help: "GeoIP database reloads refused (the last good database kept serving)",
      registers: [this.registry],
      // Every worker tries the same file: over the workers, the most any refused.
      aggregator: "max",
      collect() {
        this.reset();
        this.inc(status().rejectedReloads);
      },
    });
    new Gauge({
      name: "gateway_geoip_rejected",
      help: "1 while the latest GeoIP reload is refused and the last good database serves",
      registers: [this.registry],
      aggregator: "max",
      collect() {
        this.set(status().lastError === null ? 0 : 1);
      },
    });
    new Counter({
      name: "gateway_geoip_lookup_failures_total",
      help: "GeoIP look-ups whose record could not be read within the bounds (answered location unknown)",
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(status().lookupFailures);
      },
    });
  }

  /**
   * The place of record, read at every scrape: whether each control datacenter's fleet prefix
   * is readable now, and whether any is (the control plane as this gateway sees it).
   */
  trackFleet(
    statuses: () => readonly {
      datacenter: string;
      readable: boolean;
      lastReadableAtMs?: number;
    }[],
    now: () => number = Date.now,
  ): void {
    new Gauge({
      name: "gateway_fleet_readable",
      help: "1 while this gateway can read the fleet prefix in that control datacenter (0: unreachable, denied, or no sentinel; the last known overrides stand)",
      labelNames: ["datacenter"] as const,
      registers: [this.registry],
      collect() {
        for (const s of statuses()) this.labels(s.datacenter).set(s.readable ? 1 : 0);
      },
    });
    new Gauge({
      name: "gateway_fleet_control_plane_readable",
      help: "1 while at least one control datacenter's fleet prefix is readable; 0: the control plane is unreadable and the gateway routes on what it last knew",
      registers: [this.registry],
      collect() {
        this.set(statuses().some((s) => s.readable) ? 1 : 0);
      },
    });
    new Gauge({
      name: "gateway_fleet_control_plane_age_seconds",
      help: "Age of the last readable answer from any control datacenter (-1 before the first): how old the overrides this gateway routes on may be",
      registers: [this.registry],
      aggregator: "max",
      collect() {
        const last = Math.max(-1, ...statuses().map((s) => s.lastReadableAtMs ?? -1));
        this.set(last < 0 ? -1 : (now() - last) / 1000);
      },
    });
  }

  /** The ops overrides in force, by scope (fleet or local), read at every scrape. */
  trackOverrides(
    view: () => Readonly<Record<string, readonly { scope: string; flags: object }[]>>,
  ): void {
    new Gauge({
      name: "gateway_ops_override",
      help: "1 for each ops flag a site's override record sets, by scope (fleet: from the place of record; local: this gateway only)",
      labelNames: ["site", "flag", "scope"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [site, records] of Object.entries(view()))
          for (const record of records)
            for (const [flag, value] of Object.entries(record.flags))
              if (value !== undefined && value !== false)
                this.labels(site, flag, record.scope).set(1);
      },
    });
  }

  readonly statePersistErrors = new Counter({
    name: "gateway_state_persist_errors_total",
    help: "Writes to the state directory that failed (the change applied in memory only)",
    registers: [this.registry],
  });

  /** One answered request (plain or upgrade is counted apart: `upgrade`). */
  request(site: string, status: number, code: string, service: string, seconds: number): void {
    this.#requests.add([site, statusText(status), code, service]);
    this.#duration.observe([site, service], seconds);
  }

  /** One try's end: its outcome (ok, or a failure kind), and its time to the response head. */
  tryEnded(site: string, outcome: string, headSeconds: number | undefined): void {
    this.#tries.add([site, outcome]);
    if (headSeconds !== undefined) this.#tryDuration.observe([site], headSeconds);
  }

  retried(reason: string): void {
    this.#retries.add([reason]);
  }

  budgetExhausted(): void {
    this.#budgetExhausted.add([]);
  }

  servedElsewhere(service: string, reason: string): void {
    this.#servedElsewhere.add([service, reason]);
  }

  dnsAnswer(outcome: string, site: string): void {
    this.#dnsAnswers.add([outcome, site]);
  }

  /** One upgrade, once its connection closed (few: labels are hashed each time). */
  upgrade(site: string, status: number, code: string): void {
    this.#upgrades.labels(site, String(status), code).inc();
  }

  breakerChanged(scope: "site" | "backend", id: string, state: BreakerState): void {
    this.#breaker.labels(scope, id).set(BREAKER_VALUE[state]);
  }
}
