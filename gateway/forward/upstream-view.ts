/**
 * The upstreams of one data plane as plain data (what /sites shows, and what crosses from a
 * worker to its control plane): each site's breaker and each backend's breaker and requests
 * in flight. Views of several data planes merge into the gateway's: the worst breaker state,
 * the sum of requests in flight.
 */
import type { BreakerState } from "./breaker.ts";
import type { Upstreams } from "./upstreams.ts";

export interface BackendView {
  readonly address: string;
  readonly breaker: BreakerState;
  readonly outstanding: number;
}

export interface SiteUpstreamView {
  readonly id: string;
  readonly breaker: BreakerState;
  readonly backends: readonly BackendView[];
}

export function upstreamViews(upstreams: Upstreams): SiteUpstreamView[] {
  return [...upstreams.all()].map((site) => ({
    id: site.siteId,
    breaker: site.breaker.state,
    backends: site.backends.map((b) => ({
      address: b.address,
      breaker: b.breaker.state,
      outstanding: b.outstanding,
    })),
  }));
}

const RANK: Record<BreakerState, number> = { closed: 0, "half-open": 1, open: 2 };
const worse = (a: BreakerState, b: BreakerState) => (RANK[b] > RANK[a] ? b : a);

/** Several data planes' views as one: per site, the worst breakers and the summed load. */
export function mergeUpstreamViews(
  views: readonly (readonly SiteUpstreamView[])[],
): Map<string, SiteUpstreamView> {
  const merged = new Map<string, SiteUpstreamView>();
  for (const view of views)
    for (const site of view) {
      const known = merged.get(site.id);
      if (!known) {
        merged.set(site.id, site);
        continue;
      }
      const backends = new Map(known.backends.map((b) => [b.address, b]));
      for (const b of site.backends) {
        const other = backends.get(b.address);
        backends.set(
          b.address,
          other
            ? {
                address: b.address,
                breaker: worse(other.breaker, b.breaker),
                outstanding: other.outstanding + b.outstanding,
              }
            : b,
        );
      }
      merged.set(site.id, {
        id: site.id,
        breaker: worse(known.breaker, site.breaker),
        backends: [...backends.values()],
      });
    }
  return merged;
}
