/**
 * The ops view's data (pure): what the page draws and `gateway status` prints, built from
 * `/sites` answers — this gateway's alone, or, in fleet mode, every gateway's, each either read
 * or unreachable. No clock, no I/O: the caller stamps the time and does the fetching.
 *
 * A site's display state is the worst any reachable gateway reports for it (one gateway that
 * sees a site down is a fact worth showing). In fleet mode a site whose own gateway could not
 * be read, or is not in the fleet at all, shows `unreachable` unless a worse state is known:
 * a gateway nobody can read is never drawn as healthy. A site no answer mentions is `unknown`.
 */
import { gatewayRows, type OverrideNote, type SiteReading } from "./gateway-rows.ts";
import { BODY_LIMITS, type ReportedState, type SitesBody } from "./sites-body.ts";

export type DisplayState = ReportedState | "unreachable";
export type Mode = "single" | "fleet";

/**
 * One gateway's answer: read, or why not. `id` names the gateway (its site, or site@host where
 * a site runs several); `ingress` is its site.
 */
export type GatewayReport = { readonly id: string; readonly ingress: string } & (
  | { readonly reachable: true; readonly body: SitesBody }
  | { readonly reachable: false; readonly error: string }
);

/** Where a site's own gateway stands: read, not read, absent from the fleet, or not asked. */
export type GatewayStanding = "up" | "unreachable" | "missing" | "not-watched";

export interface ViewSite {
  readonly id: string;
  readonly name: string;
  readonly tier: "edge" | "hub" | "unknown";
  readonly country: string | null;
  readonly capacity: number | null;
  /** Position on the map (`world-map.ts`), null without coordinates. */
  readonly x: number | null;
  readonly y: number | null;
  /** Marker radius, px: by the square root of capacity, so area follows capacity. */
  readonly radius: number;
  readonly state: DisplayState;
  readonly gateway: GatewayStanding;
  /** What each reachable gateway (by id) reports (fleet mode: disagreement is worth a look). */
  readonly seenAs: Readonly<Record<string, ReportedState>>;
  readonly disagree: boolean;
}

export interface ViewGateway {
  readonly id: string;
  readonly ingress: string;
  readonly reachable: boolean;
  readonly error: string | null;
  readonly snapshotVersion: number | null;
  readonly rejectedConfig: boolean;
  readonly workers: number | null;
  /** This gateway's reading of every site it lists, by site id. */
  readonly sites: Readonly<Record<string, SiteReading>>;
}

export interface OpsView {
  readonly mode: Mode;
  /** Whether this gateway knows a fleet (the page offers fleet mode only then). */
  readonly fleetAvailable: boolean;
  /** The gateway serving the view (the default perspective for shares, RTT and breakers). */
  readonly self: string;
  readonly services: readonly string[];
  readonly sites: readonly ViewSite[];
  readonly gateways: readonly ViewGateway[];
  /** What kept the view from being whole (the fleet's list could not be read, say). */
  readonly problems: readonly string[];
}

export type Projection = (longitude: number, latitude: number) => readonly [number, number] | null;

const SEVERITY: Record<DisplayState, number> = {
  healthy: 0,
  degraded: 1,
  draining: 2,
  unknown: 3,
  unreachable: 4,
  down: 5,
  compromised: 6,
};

export const worse = (a: DisplayState, b: DisplayState): DisplayState =>
  SEVERITY[b] > SEVERITY[a] ? b : a;

const MAX_SERVICES = 64;
const MIN_RADIUS = 5;
const MAX_RADIUS = 16;

export interface OpsViewInput {
  readonly mode: Mode;
  readonly self: string;
  readonly fleetAvailable?: boolean;
  readonly reports: readonly GatewayReport[];
  readonly project: Projection;
  readonly problems?: readonly string[];
}

export function opsView(input: OpsViewInput): OpsView {
  const { mode, self, reports, project } = input;
  const gateways = reports.map(viewGateway);
  const { rows, dropped } = siteRows(reports);
  let maxCapacity = 1;
  for (const row of rows.values()) maxCapacity = Math.max(maxCapacity, row.capacity ?? 0);
  const standings = standingsOf(mode, reports);
  const sites = [...rows.values()].map((row) => {
    const seenAs: Record<string, ReportedState> = {};
    for (const gateway of gateways) {
      const reading = gateway.sites[row.id];
      if (reading) seenAs[gateway.id] = reading.state;
    }
    const standing = standings(row.id);
    const states: DisplayState[] = Object.values(seenAs);
    let state = states.length === 0 ? "unknown" : states.reduce(worse);
    if (standing === "unreachable" || standing === "missing") state = worse(state, "unreachable");
    const facts = { state, gateway: standing, seenAs, disagree: new Set(states).size > 1 };
    return { ...placed(row, project, maxCapacity), ...facts } satisfies ViewSite;
  });
  return {
    mode,
    fleetAvailable: input.fleetAvailable ?? false,
    self,
    services: servicesOf(reports),
    sites,
    gateways,
    problems: [
      ...(input.problems ?? []),
      ...(dropped > 0
        ? [
            `${dropped} more site(s) listed by the gateways than the view shows (${BODY_LIMITS.sites})`,
          ]
        : []),
    ],
  };
}

/** What a site is and where it goes on the map: its place, and its size by capacity. */
type Place = Pick<ViewSite, "id" | "name" | "tier" | "country" | "capacity" | "x" | "y" | "radius">;

function placed(row: Row, project: Projection, maxCapacity: number): Place {
  const point =
    row.longitude !== undefined && row.latitude !== undefined
      ? project(row.longitude, row.latitude)
      : null;
  const share = row.capacity === undefined ? 0 : Math.sqrt(row.capacity / maxCapacity);
  return {
    id: row.id,
    name: row.name ?? row.id,
    tier: row.tier ?? "unknown",
    country: row.country ?? null,
    capacity: row.capacity ?? null,
    x: point ? round(point[0]) : null,
    y: point ? round(point[1]) : null,
    radius: round(MIN_RADIUS + (MAX_RADIUS - MIN_RADIUS) * share),
  };
}

const round = (value: number) => Math.round(value * 10) / 10;

function viewGateway(report: GatewayReport): ViewGateway {
  if (!report.reachable)
    return {
      id: report.id,
      ingress: report.ingress,
      reachable: false,
      error: report.error,
      snapshotVersion: null,
      rejectedConfig: false,
      workers: null,
      sites: {},
    };
  const { body } = report;
  return {
    id: report.id,
    ingress: report.ingress,
    reachable: true,
    error: null,
    snapshotVersion: body.snapshotVersion ?? null,
    rejectedConfig: body.rejectedConfig !== undefined && body.rejectedConfig !== null,
    workers: body.workers ?? null,
    sites: gatewayRows(body),
  };
}

type Row = SitesBody["sites"][number];

/**
 * Every site any answer lists, once: the first answer's order (the catalogue's), then sites
 * only others know. A field the first answer lacks is taken from the next that has it. At most
 * as many sites as one answer may list (BODY_LIMITS.sites): gateways that each list other
 * sites cannot grow the view past it; the rest are counted.
 */
function siteRows(reports: readonly GatewayReport[]): { rows: Map<string, Row>; dropped: number } {
  const rows = new Map<string, Row>();
  const dropped = new Set<string>();
  for (const report of reports) {
    if (!report.reachable) continue;
    for (const row of report.body.sites) {
      const known = rows.get(row.id);
      if (known) rows.set(row.id, { ...row, ...definedOnly(known) });
      else if (rows.size < BODY_LIMITS.sites) rows.set(row.id, row);
      else dropped.add(row.id);
    }
  }
  return { rows, dropped: dropped.size };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Each site's own gateways, looked up once per view. A site that runs several gateways stands
 * as its worst: one unread gateway is unread.
 */
function standingsOf(
  mode: Mode,
  reports: readonly GatewayReport[],
): (site: string) => GatewayStanding {
  const allReachable = new Map<string, boolean>();
  for (const report of reports)
    allReachable.set(
      report.ingress,
      (allReachable.get(report.ingress) ?? true) && report.reachable,
    );
  const absent: GatewayStanding = mode === "fleet" ? "missing" : "not-watched";
  return (site) => {
    const reachable = allReachable.get(site);
    if (reachable === undefined) return absent;
    return reachable ? "up" : "unreachable";
  };
}

/** The services any answer shares traffic for, in the order first seen, at most `MAX_SERVICES`. */
function servicesOf(reports: readonly GatewayReport[]): string[] {
  const names = new Set<string>();
  for (const report of reports) {
    if (!report.reachable) continue;
    for (const row of report.body.sites)
      for (const name of Object.keys(row.shareFromHere)) {
        if (names.size >= MAX_SERVICES) return [...names];
        names.add(name);
      }
  }
  return [...names];
}

export type { OverrideNote, SiteReading };
