/**
 * Plug-and-play, the joining side: a gateway with `consul.registerSite` writes its own site's
 * catalogue entry (from its catalogue file) to `<prefix>/sites/<site>` in every control
 * datacenter, retrying each (1 s, doubling to 30 s) until it is stored, so every other gateway
 * finds it (fleet-membership.ts). A site's token may write only its own entry
 * (deploy/consul/acl-gateway.hcl). Leaving is the deletion of that entry from every control
 * datacenter (`gateway leave`, or `consul kv delete` by ops); a restart does not leave.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "pino";
import { type ConsulHttp, ConsulStatusError } from "../../../health/consul/consul-http.ts";
import type { SiteConfig } from "../../../routing-tables/catalogue-schema.ts";
import { siteKey } from "./fleet-document.ts";

export interface FleetSiteTarget {
  readonly http: ConsulHttp;
  readonly prefix: string;
  readonly datacenters: readonly string[];
}

const keyPath = (key: string) => `/v1/kv/${key.split("/").map(encodeURIComponent).join("/")}`;

/** Keeps trying every datacenter until each holds the entry, or `signal` aborts. */
export async function registerFleetSite(
  target: FleetSiteTarget,
  site: SiteConfig,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const body = JSON.stringify(site);
  const path = keyPath(siteKey(target.prefix, site.id));
  await Promise.all(
    target.datacenters.map(async (dc) => {
      for (let attempt = 0; !signal.aborted; attempt++) {
        try {
          const answer = await target.http.call({
            method: "PUT",
            path,
            query: { dc },
            body,
            signal,
          });
          if (answer.status !== 200 || answer.text.trim() !== "true")
            throw new ConsulStatusError(`registering ${site.id} in ${dc}`, answer);
          logger.info(
            { datacenter: dc, site: site.id },
            "this site is registered in the place of record",
          );
          return;
        } catch (error) {
          if (signal.aborted) return;
          logger.warn({ err: error, datacenter: dc }, "site not registered yet; trying again");
          await sleep(Math.min(30_000, 1_000 * 2 ** attempt), undefined, { signal }).catch(
            () => undefined,
          );
        }
      }
    }),
  );
}

/** Deletes the site's entry from every control datacenter; the datacenters where it failed, and why. */
export async function leaveFleet(
  target: FleetSiteTarget,
  siteId: string,
): Promise<{ datacenter: string; reason: string }[]> {
  const path = keyPath(siteKey(target.prefix, siteId));
  const failed: { datacenter: string; reason: string }[] = [];
  for (const dc of target.datacenters) {
    try {
      const answer = await target.http.call({ method: "DELETE", path, query: { dc } });
      if (answer.status !== 200) throw new ConsulStatusError(`DELETE in ${dc}`, answer);
    } catch (error) {
      failed.push({ datacenter: dc, reason: (error as Error).message });
    }
  }
  return failed;
}
