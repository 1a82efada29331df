/**
 * Where the share a site cannot keep goes. In order:
 * 1. an explicit hub order (the matching geo pin's hubs, else the policy's hubOrder):
 *    the first usable hub in it takes all;
 * 2. otherwise every usable hub, split by proximity and spare capacity:
 *    weight = capacity × availability × (1 − saturation) × e^(−(cost − nearest cost) / proximityScaleMs);
 * 3. no usable hub: the next usable site in preference order takes all;
 * 4. nothing else usable: the site keeps it.
 */
import type { PlanFigures } from "./plan-figures.ts";
import type { Snapshot } from "./snapshot.ts";

export interface SpillTarget {
  readonly site: number;
  readonly share: number;
}

export function spillTargets(
  snapshot: Snapshot,
  figures: PlanFigures,
  from: number,
  order: readonly number[],
  explicitHubs: readonly number[],
  proximityScaleMs: number,
): SpillTarget[] {
  const usable = (i: number) => i !== from && (figures.availability[i] ?? 0) > 0;
  const explicit = explicitHubs.find(usable);
  if (explicit !== undefined) return [{ site: explicit, share: 1 }];

  const hubs = order.filter((i) => usable(i) && snapshot.sites[i]?.tier === "hub");
  if (hubs.length > 0) return splitByProximity(snapshot, figures, hubs, proximityScaleMs);

  const next = order.find(usable);
  return next === undefined ? [] : [{ site: next, share: 1 }];
}

function splitByProximity(
  snapshot: Snapshot,
  figures: PlanFigures,
  hubs: readonly number[],
  proximityScaleMs: number,
): SpillTarget[] {
  const nearest = Math.min(...hubs.map((i) => figures.costMs[i] ?? 0));
  const weigh = (i: number, withSaturation: boolean): number => {
    const site = snapshot.sites[i];
    if (!site) return 0;
    const spare = withSaturation ? Math.max(0, 1 - site.saturation) : 1;
    const proximity = Math.exp(-((figures.costMs[i] ?? 0) - nearest) / proximityScaleMs);
    return site.config.capacity * (figures.availability[i] ?? 0) * spare * proximity;
  };
  let weights = hubs.map((i) => weigh(i, true));
  // Every hub saturated: spare capacity says nothing, so split by proximity and size alone.
  if (!weights.some((w) => w > 0)) weights = hubs.map((i) => weigh(i, false));
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return [{ site: hubs[0] as number, share: 1 }];
  return hubs
    .map((site, k) => ({ site, share: (weights[k] ?? 0) / total }))
    .filter((t) => t.share > 0);
}
