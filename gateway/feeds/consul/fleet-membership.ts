/**
 * Plug-and-play membership in a running gateway (rules: membership-rules.ts). Fed the sites
 * entries the place of record shows; probes each candidate's backends (its listed `backends`,
 * or the passing instances of its Consul service, asked once per probe interval); admits a
 * candidate once a backend passed the rise rule and the serving catalogue with it validates
 * against the policy in force; removes a member gone `leaveAfterMs` (never the last hub).
 * Members are the routing state's `fleetSites` — so discovery, coordinates, probes and passive
 * health follow them like any site — and are kept in `<stateDirectory>/fleet-sites.json`, so a
 * restarted gateway starts with them.
 */
import type { Logger } from "pino";
import { stringify } from "yaml";
import { z } from "zod";
import { answerJson, type ConsulHttp } from "../../../health/consul/consul-http.ts";
import { type ConsulHealthEntry, instanceVerdicts } from "../../../health/consul/service-health.ts";
import type { ProbeSettings } from "../../../health/probes/probe-settings.ts";
import { createProber, type ProbeTarget } from "../../../health/probes/prober.ts";
import { type SiteConfig, siteSchema } from "../../../routing-tables/catalogue-schema.ts";
import { formatConfigError } from "../../../routing-tables/config-error.ts";
import { validateConfig } from "../../../routing-tables/load-config.ts";
import type { RoutingState } from "../../state/routing-state.ts";
import type { StateFile } from "../../state/state-file.ts";
import {
  admit,
  dueToLeave,
  EMPTY_MEMBERSHIP,
  type Membership,
  memberSites,
  observeEntries,
  recordProbe,
  refuse,
  risen,
} from "./membership-rules.ts";

export const SITES_FILE = "fleet-sites.json";
export const sitesFileSchema = z.object({
  version: z.literal(1),
  savedAtMs: z.number(),
  sites: z.array(siteSchema).max(1_024),
});

/** Candidates probed at once, and backends per candidate (input the fleet's entries drive). */
const MAX_CANDIDATES = 32;
const MAX_BACKENDS = 16;

export interface MembershipOptions {
  readonly state: RoutingState;
  readonly http: ConsulHttp;
  readonly file: StateFile<z.output<typeof sitesFileSchema>>;
  readonly probe: ProbeSettings;
  readonly rise: number;
  readonly leaveAfterMs: number;
  readonly via: string;
  readonly now: () => number;
  readonly logger: Logger;
}

export interface FleetMembership {
  /** The union of the sites entries of every control datacenter readable now (undefined: none). */
  observe(entries: Readonly<Record<string, SiteConfig>> | undefined): void;
  status(): unknown;
  stop(): Promise<void>;
}

export function createFleetMembership(options: MembershipOptions): FleetMembership {
  const { state, logger, now } = options;
  let m: Membership = { ...EMPTY_MEMBERSHIP, members: startingMembers(options) };
  let backends: Record<string, readonly string[]> = {};
  const prober = createProber({
    targets: [],
    settings: options.probe,
    headers: { via: `1.1 ${options.via}` },
    onResult: (result) => {
      m = recordProbe(m, result.siteId, result.backend, result.ok);
      promote();
    },
  });
  const fileIds = () => new Set(state.inputs.catalogue.sites.map((s) => s.id));
  const publish = () => {
    const sites = memberSites(m);
    if (JSON.stringify(sites) === JSON.stringify(state.inputs.fleetSites)) return;
    try {
      options.file.write({ version: 1, savedAtMs: now(), sites });
    } catch (error) {
      logger.error({ err: error }, "fleet sites not written to the state directory");
    }
    state.setFleetSites(sites);
  };
  const promote = () => {
    for (const id of risen(m, options.rise)) {
      const why = refusal(state, m, id);
      if (why) {
        m = refuse(m, id, why);
        logger.error(
          { site: id, why },
          "a fleet site cannot join: the catalogue with it is invalid",
        );
      } else {
        m = admit(m, id);
        logger.warn({ site: id }, "a fleet site joined: its probes passed the rise rule");
      }
    }
    publish();
  };
  const sweep = () => {
    const fileHubs = state.inputs.catalogue.sites.filter((s) => s.tier === "hub").length;
    const { leave, keptLastHub } = dueToLeave(m, now(), options.leaveAfterMs, fileHubs);
    for (const id of keptLastHub)
      logger.warn({ site: id }, "a fleet site left, but it is the last hub: kept");
    if (leave.length === 0) return;
    const members = { ...m.members };
    for (const id of leave) delete members[id];
    m = { ...m, members };
    logger.warn(
      { sites: leave },
      "fleet sites left: their entries are gone from the place of record",
    );
    publish();
  };
  const refreshTargets = async () => {
    const ids = Object.keys(m.candidates).slice(0, MAX_CANDIDATES);
    const found = await Promise.all(
      ids.map((id) => candidateBackends(options.http, m.candidates[id]?.site)),
    );
    backends = Object.fromEntries(ids.map((id, i) => [id, found[i] ?? []]));
    const targets: ProbeTarget[] = ids.flatMap((id) =>
      (backends[id] ?? []).slice(0, MAX_BACKENDS).map((backend) => ({ siteId: id, backend })),
    );
    prober.setTargets(targets);
  };
  const tick = setInterval(
    () => {
      sweep();
      void refreshTargets();
    },
    Math.min(options.probe.intervalMs, 1_000),
  );
  tick.unref();
  if (m.members && Object.keys(m.members).length > 0) state.setFleetSites(memberSites(m));
  prober.start();
  return {
    observe: (entries) => {
      m = observeEntries(m, entries, fileIds(), now());
      sweep();
      publish();
      void refreshTargets();
    },
    status: () => ({
      members: Object.fromEntries(
        Object.entries(m.members).map(([id, member]) => [
          id,
          member.absentSinceMs === undefined
            ? { state: "member" }
            : { state: "leaving", absentSince: new Date(member.absentSinceMs).toISOString() },
        ]),
      ),
      candidates: Object.fromEntries(
        Object.entries(m.candidates).map(([id, c]) => [
          id,
          {
            passes: c.passes,
            backends: backends[id] ?? [],
            ...(c.refused && { refused: c.refused }),
          },
        ]),
      ),
    }),
    stop: async () => {
      clearInterval(tick);
      await prober.stop();
    },
  };
}

function startingMembers(options: MembershipOptions): Membership["members"] {
  const kept = options.file.read();
  if (kept.kind === "corrupt")
    options.logger.error(
      { error: kept.error, movedTo: kept.movedTo },
      "fleet sites file unreadable: moved aside",
    );
  if (kept.kind !== "read") return {};
  return Object.fromEntries(kept.value.sites.map((site) => [site.id, { site }]));
}

/** Why the serving catalogue with this candidate does not validate, if it does not. */
function refusal(state: RoutingState, m: Membership, id: string): string | undefined {
  const candidate = m.candidates[id];
  if (!candidate) return undefined;
  const sites = [...state.inputs.catalogue.sites, ...memberSites(m), candidate.site];
  // The gateway's own YAML of what it holds: no size cap (see ConfigText.maxBytes).
  const unbounded = Number.POSITIVE_INFINITY;
  const result = validateConfig([
    {
      file: `(catalogue with fleet site ${id})`,
      text: stringify({ sites }),
      maxBytes: unbounded,
    },
    { file: "(policy now serving)", text: stringify(state.inputs.policy), maxBytes: unbounded },
  ]);
  return result.ok ? undefined : result.errors.map(formatConfigError).join("; ");
}

/** A candidate's backends: as listed, or its Consul service's passing instances (one stale read). */
async function candidateBackends(
  http: ConsulHttp,
  site: SiteConfig | undefined,
): Promise<string[]> {
  if (!site) return [];
  if (site.backends) return [...site.backends];
  if (!site.consul) return [];
  try {
    const answer = await http.call({
      path: `/v1/health/service/${encodeURIComponent(site.consul.service)}`,
      query: { dc: site.consul.datacenter, passing: true, stale: true },
    });
    if (answer.status !== 200) return [];
    const entries = answerJson<ConsulHealthEntry[]>(answer, "candidate health");
    return Array.isArray(entries)
      ? instanceVerdicts(entries)
          .filter((v) => v.up)
          .map((v) => v.backend)
      : [];
  } catch {
    return [];
  }
}
