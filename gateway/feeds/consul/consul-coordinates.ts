/**
 * Polls Consul's network coordinates (`/v1/coordinate/datacenters` cannot block) and turns
 * them into an RTT estimate from this ingress's datacenter to each Consul site's
 * datacenter, which the snapshot blends with probe measurements (routing-tables/snapshot.ts).
 * The `consul` client has no coordinate endpoint, so this one call goes through undici to the
 * same address, with the same token. A failed poll keeps the last estimate.
 */
import { Agent, request } from "undici";
import {
  type ConsulConnection,
  consulBaseUrl,
  consulTlsOptions,
} from "../../../health/consul/consul-queries.ts";
import { type DatacenterCoordinates, datacenterRttMs } from "../../../health/consul/coordinates.ts";
import type { RoutingState } from "../../state/routing-state.ts";

export interface CoordinatePoller {
  /** Polls once now (the timer does it every intervalMs); resolves false when the poll failed. */
  poll(): Promise<boolean>;
  stop(): void;
}

export function consulCoordinates(
  connection: ConsulConnection,
  state: RoutingState,
  ingress: string,
  ingressDatacenter: string,
  intervalMs: number,
  onError: (error: Error) => void,
): CoordinatePoller {
  const url = new URL("/v1/coordinate/datacenters", consulBaseUrl(connection)).toString();
  const tls = consulTlsOptions(connection);
  const dispatcher = Object.keys(tls).length > 0 ? new Agent({ connect: tls }) : undefined;
  const headers = connection.token ? { "x-consul-token": connection.token } : {};
  const poll = async (): Promise<boolean> => {
    try {
      const res = await request(url, {
        headers,
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
        ...(dispatcher && { dispatcher }),
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new Error(`coordinate/datacenters answered ${res.statusCode}`);
      }
      const table = datacenterRttMs((await res.body.json()) as DatacenterCoordinates[]);
      const fromHere = table[ingressDatacenter] ?? {};
      const row: Record<string, number> = {};
      for (const site of state.inputs.catalogue.sites) {
        const rtt = site.consul ? fromHere[site.consul.datacenter] : undefined;
        if (rtt !== undefined) row[site.id] = rtt;
      }
      if (JSON.stringify(row) !== JSON.stringify(state.inputs.coordinateRttMs[ingress] ?? {})) {
        state.setCoordinateRtt(ingress, row);
      }
      return true;
    } catch (error) {
      onError(error as Error);
      return false;
    }
  };
  const timer = setInterval(() => void poll(), intervalMs);
  timer.unref();
  void poll();
  return { poll, stop: () => clearInterval(timer) };
}
