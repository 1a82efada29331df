/**
 * `npm start -- --decisions`: the routing decisions of the reference world for clients from
 * every region of the demo GeoIP database, first with every site healthy, then with a few
 * sites degraded, down and compromised. Pure decisions, printed; nothing listens.
 */
import { readFileSync } from "node:fs";
import { nearestAnnouncingSite } from "../../routing-tables/anycast-ingress.ts";
import { formatConfigError } from "../../routing-tables/config-error.ts";
import { decide } from "../../routing-tables/decide.ts";
import { buildSnapshot, type SnapshotInput } from "../../routing-tables/snapshot.ts";
import { openClientLocator } from "../client-facts/client-locator.ts";
import { type CommandIo, EXIT_INVALID, EXIT_OK } from "../commands/io.ts";
import {
  DEMO_GEOIP,
  loadWorld,
  REFERENCE_CATALOGUE,
  REFERENCE_POLICY,
} from "../config/config-files.ts";

interface Place {
  readonly id: string;
  readonly sample: string;
  readonly city: string;
}

const PLACES_FILE = new URL("./geoip/clients.json", import.meta.url);

export function printDecisions(io: CommandIo): number {
  const world = loadWorld(REFERENCE_CATALOGUE, REFERENCE_POLICY);
  if (!world.ok) {
    for (const error of world.errors) io.err(formatConfigError(error));
    return EXIT_INVALID;
  }
  const locator = openClientLocator(DEMO_GEOIP);
  const places = JSON.parse(readFileSync(PLACES_FILE, "utf8")) as Place[];
  const scenes: [string, Partial<SnapshotInput>][] = [
    ["every site healthy", {}],
    [
      "cdg degraded to 40%, dar down, gru compromised",
      {
        health: { cdg: { state: "degraded", fraction: 0.4 }, dar: { state: "down", fraction: 0 } },
        overrides: { gru: { compromised: true } },
      },
    ],
  ];
  for (const [title, changes] of scenes) {
    const snapshot = buildSnapshot({
      version: 1,
      catalogue: world.catalogue,
      policy: world.policy,
      ...changes,
    });
    io.out(`\n== ${title} ==`);
    io.out(
      `${"client".padEnd(16)} ${"address".padEnd(15)} ${"ingress".padEnd(8)} decision (share per site)`,
    );
    for (const place of places) {
      const client = locator.locate(place.sample);
      const ingress = nearestAnnouncingSite(snapshot, client);
      if (!ingress) continue;
      const decision = decide(
        snapshot,
        { ingress, host: "app.example.net", path: "/", client },
        () => 0,
      );
      const shares = decision.blocked
        ? `blocked: ${decision.blocked}`
        : decision.plan.candidates
            .filter((c) => c.weight > 0)
            .map((c) => `${c.site.id} ${(c.weight * 100).toFixed(0)}%`)
            .join(", ");
      const flags = [
        decision.plan.panic && "PANIC",
        decision.plan.residency && `residency ${decision.plan.residency.rule}`,
      ]
        .filter(Boolean)
        .join("; ");
      io.out(
        `${place.city.padEnd(16)} ${place.sample.padEnd(15)} ${ingress.padEnd(8)} ${shares}${flags ? `  [${flags}]` : ""}`,
      );
    }
  }
  io.out(
    "\nExplain any client: npx gateway explain --ip 198.51.100.161   (gateway/commands/README.md)",
  );
  return EXIT_OK;
}
