/**
 * Consul's network coordinates (Vivaldi) as round-trip estimates. Per Consul's "Network
 * Coordinates" docs: distance = ‖a.Vec − b.Vec‖ + a.Height + b.Height, then + a.Adjustment
 * + b.Adjustment when that stays positive; the unit is seconds. Between datacenters: the
 * median over every pair of their servers' WAN coordinates. Pure; table-tested.
 */
export interface Coordinate {
  readonly Vec: readonly number[];
  readonly Error?: number;
  readonly Adjustment?: number;
  readonly Height?: number;
}

export interface DatacenterCoordinates {
  readonly Datacenter: string;
  readonly Coordinates: readonly { readonly Node: string; readonly Coord: Coordinate }[];
}

/** Estimated RTT between two coordinates, ms. */
export function coordinateRttMs(a: Coordinate, b: Coordinate): number {
  let sum = 0;
  for (let i = 0; i < Math.max(a.Vec.length, b.Vec.length); i++)
    sum += ((a.Vec[i] ?? 0) - (b.Vec[i] ?? 0)) ** 2;
  const raw = Math.sqrt(sum) + (a.Height ?? 0) + (b.Height ?? 0);
  const adjusted = raw + (a.Adjustment ?? 0) + (b.Adjustment ?? 0);
  return (adjusted > 0 ? adjusted : raw) * 1000;
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((x, y) => x - y);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? sorted[mid]
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** rtt[from][to] in ms between every pair of datacenters that have coordinates. */
export function datacenterRttMs(
  answer: readonly DatacenterCoordinates[],
): Record<string, Record<string, number>> {
  const table: Record<string, Record<string, number>> = {};
  for (const from of answer) {
    const row: Record<string, number> = {};
    for (const to of answer) {
      const pairs = from.Coordinates.flatMap((a) =>
        to.Coordinates.map((b) => coordinateRttMs(a.Coord, b.Coord)),
      );
      const value = median(pairs);
      if (value !== undefined) row[to.Datacenter] = value;
    }
    table[from.Datacenter] = row;
  }
  return table;
}
