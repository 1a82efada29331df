/**
 * `gateway explain --ip ADDR [--host H] [--path P] [--ingress SITE] [--state LIST]`: the
 * routing decision for one client, in words or --json, optionally under what-if site states. The client's location comes from a GeoIP City
 * database (default: the demo world's); without --ingress, the ingress is the site the
 * anycast network would deliver this client to (the nearest site that is not down,
 * draining or compromised).
 */
import { nearestAnnouncingSite } from "../../routing-tables/anycast-ingress.ts";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { formatConfigError } from "../../routing-tables/config-error.ts";
import { decide } from "../../routing-tables/decide.ts";
import { explainJson, explainText } from "../../routing-tables/explain.ts";
import { applySiteStates, parseSiteStates } from "../../routing-tables/site-scenario.ts";
import { buildSnapshot } from "../../routing-tables/snapshot.ts";
import { openClientLocator } from "../client-facts/client-locator.ts";
import {
  DEMO_GEOIP,
  loadWorld,
  REFERENCE_CATALOGUE,
  REFERENCE_POLICY,
} from "../config/config-files.ts";
import { type CommandIo, EXIT_INVALID, EXIT_OK, EXIT_USAGE, parseCommandArgs } from "./io.ts";

export const EXPLAIN_USAGE = `usage: gateway explain --ip ADDR [options]
  --ip ADDR          client address (looked up in the GeoIP database)
  --host HOST        Host header (default: the first host of the first service)
  --path PATH        request path (default /)
  --ingress SITE     site whose gateway receives the request (default: nearest announcing site)
  --direct           rank by the client's own distance (as for DNS answers), not from the ingress
  --geoip FILE       GeoIP2 City database (default: the demo world's)
  --catalogue FILE   site catalogue (default: the reference world)
  --policy FILE      routing policy (default: the reference world)
  --state LIST       site states to explain under, e.g. dar=down,cdg=degraded:0.4 (as simulate)
  --json             print JSON`;

const OPTIONS = {
  ip: { type: "string" },
  host: { type: "string" },
  path: { type: "string", default: "/" },
  ingress: { type: "string" },
  direct: { type: "boolean", default: false },
  geoip: { type: "string", default: DEMO_GEOIP },
  catalogue: { type: "string", default: REFERENCE_CATALOGUE },
  policy: { type: "string", default: REFERENCE_POLICY },
  state: { type: "string", default: "" },
  json: { type: "boolean", default: false },
} as const;

/** The world's snapshot with `--state` applied, or undefined once every error is written. */
function worldUnder(catalogue: string, policy: string, state: string, io: CommandIo) {
  const world = loadWorld(catalogue, policy);
  if (!world.ok) {
    for (const error of world.errors) io.err(formatConfigError(error));
    return undefined;
  }
  const states = parseSiteStates(state, new Set(world.catalogue.sites.map((s) => s.id)));
  if (!states.ok) {
    for (const error of states.errors) io.err(`gateway explain: --state: ${error}`);
    return undefined;
  }
  const snapshot = buildSnapshot({
    version: 1,
    catalogue: world.catalogue,
    policy: world.policy,
    ...applySiteStates({ health: {}, overrides: {} }, states.states),
  });
  return { snapshot, policy: world.policy };
}

export function explainCommand(args: readonly string[], io: CommandIo): number {
  const parsed = parseCommandArgs(
    "explain",
    EXPLAIN_USAGE,
    { args: [...args], options: OPTIONS },
    io,
  );
  if (!parsed) return EXIT_USAGE;
  const { values } = parsed;
  if (!values.ip) {
    io.err(EXPLAIN_USAGE);
    return EXIT_USAGE;
  }
  const world = worldUnder(values.catalogue, values.policy, values.state, io);
  if (!world) return EXIT_INVALID;
  const { snapshot, policy } = world;
  let client: ClientLocation;
  try {
    client = openClientLocator(values.geoip).locate(values.ip);
  } catch (error) {
    io.err(`gateway explain: ${(error as Error).message}`);
    return EXIT_INVALID;
  }
  const ingress = values.ingress ?? nearestAnnouncingSite(snapshot, client);
  if (!ingress || !snapshot.siteIndex.has(ingress)) {
    io.err(
      ingress
        ? `gateway explain: unknown ingress site "${ingress}"`
        : "gateway explain: client location unknown: give --ingress SITE",
    );
    return EXIT_INVALID;
  }
  const host = values.host ?? policy.services[0]?.hosts[0] ?? "";
  const facts = { ingress, host, path: values.path, client, direct: values.direct };
  const decision = decide(snapshot, facts, () => 0);
  io.out(
    values.json
      ? JSON.stringify({ ip: values.ip, host, ...explainJson(snapshot, decision, client) }, null, 2)
      : explainText(snapshot, decision, client),
  );
  return EXIT_OK;
}
