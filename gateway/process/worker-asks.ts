/**
 * What the admin API asks of the data planes, answered over the link (followers.ts): the whole
 * gateway's metrics (this process's and every worker's, aggregated as prom-client's cluster
 * support does: counters and histograms summed, each metric's own aggregator else), the
 * upstream pools, the GeoIP databases, and a decision explained. Each ask waits at most
 * ASK_TIMEOUT_MS for the workers' answers.
 */
import { AggregatorRegistry } from "prom-client";
import type { AdminContext } from "../admin/admin-api.ts";
import type { ExplainAnswer } from "../admin/explain-answer.ts";
import { type GeoipStatus, mergeGeoipStatuses } from "../client-facts/geoip-source.ts";
import { mergeUpstreamViews, type SiteUpstreamView } from "../forward/upstream-view.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import type { Followers } from "./followers.ts";

/** How long the admin API waits for the data planes' answers (metrics, /sites, explain). */
const ASK_TIMEOUT_MS = 2_000;

export function workerAsks(followers: Followers, metrics: GatewayMetrics) {
  const registry = async () => {
    const own = await metrics.registry.getMetricsAsJSON();
    const { answers } = await followers.ask({ what: "metrics" }, ASK_TIMEOUT_MS);
    return AggregatorRegistry.aggregate([own, ...(answers as (typeof own)[])]);
  };
  const asks: Pick<AdminContext, "scrape" | "upstreams" | "geoipStatus" | "explain"> = {
    scrape: async () => {
      const aggregated = await registry();
      return { contentType: aggregated.contentType, body: await aggregated.metrics() };
    },
    upstreams: async () => {
      const { answers } = await followers.ask({ what: "upstreams" }, ASK_TIMEOUT_MS);
      return mergeUpstreamViews(answers as SiteUpstreamView[][]);
    },
    geoipStatus: async () => {
      const { answers } = await followers.ask({ what: "geoip" }, ASK_TIMEOUT_MS);
      return mergeGeoipStatuses(answers as (GeoipStatus | null)[]);
    },
    explain: async (query) => {
      const { answers } = await followers.ask({ what: "explain", ...query }, ASK_TIMEOUT_MS);
      return (
        (answers[0] as ExplainAnswer | undefined) ?? {
          ok: false,
          code: "internal",
          detail: "no worker answered",
        }
      );
    },
  };
  return { registry, asks };
}
