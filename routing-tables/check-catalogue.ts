/** Cross-field rules of a catalogue that a schema cannot state. Pure: findings only. */
import type { SiteConfig } from "./catalogue-schema.ts";
import type { Finding } from "./config-error.ts";
import type { Readable } from "./readable.ts";

/**
 * `sites` as far as they can be read (readable.ts): a field that failed the schema is null,
 * and every rule that needs it is left out for that site (the schema error is reported).
 */
export function checkCatalogue(sites: readonly (Readable<SiteConfig> | null)[]): Finding[] {
  const findings: Finding[] = [];
  const firstIndexOfId = new Map<string, number>();
  const ownerOfBackend = new Map<string, string>();

  sites.forEach((site, index) => {
    if (site === null) return;
    const at = (...rest: (string | number)[]) => ["sites", index, ...rest];
    const id = site.id;
    const seen = typeof id === "string" ? firstIndexOfId.get(id) : undefined;
    if (typeof id === "string" && seen === undefined) firstIndexOfId.set(id, index);
    else if (seen !== undefined)
      findings.push({
        path: at("id"),
        message: `duplicate site id "${id}" (first at sites[${seen}])`,
      });

    // Presence, not validity: a backends list with a bad entry was still given.
    if (site.backends === undefined && site.consul === undefined) {
      findings.push({ path: at(), message: "a site needs backends or consul" });
    }
    if (site.backends !== undefined && site.consul !== undefined) {
      findings.push({ path: at("consul"), message: "give backends or consul, not both" });
    }
    site.backends?.forEach((backend, b) => {
      if (backend === null) return;
      const owner = ownerOfBackend.get(backend);
      if (owner === undefined)
        ownerOfBackend.set(backend, typeof id === "string" ? `site "${id}"` : `sites[${index}]`);
      else
        findings.push({
          path: at("backends", b),
          message: `backend ${backend} is listed already by ${owner}`,
        });
    });
  });

  // Said only when every site's tier is known: an unreadable tier might be a hub.
  if (sites.every((site) => site?.tier === "edge")) {
    findings.push({
      path: ["sites"],
      message: "no hub: at least one site must have tier hub (the spill-over target)",
    });
  }
  return findings;
}
