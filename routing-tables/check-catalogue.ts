/** Cross-field rules of a catalogue that a schema cannot state. Pure: findings only. */
import type { SiteConfig } from "./catalogue-schema.ts";
import type { Finding } from "./config-error.ts";

/** `sites` as far as they parsed: an entry that failed the schema is a hole. */
export function checkCatalogue(sites: readonly (SiteConfig | undefined)[]): Finding[] {
  const findings: Finding[] = [];
  const firstIndexOfId = new Map<string, number>();
  const ownerOfBackend = new Map<string, string>();

  sites.forEach((site, index) => {
    if (site === undefined) return;
    const at = (...rest: (string | number)[]) => ["sites", index, ...rest];
    const seen = firstIndexOfId.get(site.id);
    if (seen === undefined) firstIndexOfId.set(site.id, index);
    else
      findings.push({
        path: at("id"),
        message: `duplicate site id "${site.id}" (first at sites[${seen}])`,
      });

    if (site.backends === undefined && site.consul === undefined) {
      findings.push({ path: at(), message: "a site needs backends or consul" });
    }
    if (site.backends !== undefined && site.consul !== undefined) {
      findings.push({ path: at("consul"), message: "give backends or consul, not both" });
    }
    site.backends?.forEach((backend, b) => {
      const owner = ownerOfBackend.get(backend);
      if (owner === undefined) ownerOfBackend.set(backend, site.id);
      else
        findings.push({
          path: at("backends", b),
          message: `backend ${backend} is listed already by site "${owner}"`,
        });
    });
  });

  if (sites.every((site) => site !== undefined && site.tier !== "hub")) {
    findings.push({
      path: ["sites"],
      message: "no hub: at least one site must have tier hub (the spill-over target)",
    });
  }
  return findings;
}
