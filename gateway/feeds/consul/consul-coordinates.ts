/**
 * Polls Consul's network coordinates (`/v1/coordinate/datacenters` cannot block) and turns
 * them into an RTT estimate from this ingress's datacenter to each Consul site's
 * datacenter, which the snapshot blends with probe measurements (routing-tables/snapshot.ts).
 * A failed poll keeps the last estimate. Sites are the serving catalogue's (the file's and the
 * fleet's), read at each poll, so a site that joined gets its estimate at the next poll.
 */
import {
  answerJson,
  type ConsulHttp,
  ConsulStatusError,
} from "../../../health/consul/consul-http.ts";
import { type DatacenterCoordinates, datacenterRttMs } from "../../../health/consul/coordinates.ts";
import type { RoutingState } from "../../state/routing-state.ts";

export interface CoordinatePoller {
  /** Polls once now (the timer does it every intervalMs); resolves false when the poll failed. */
  poll(): Promise<boolean>;
  stop(): void;
}

export function consulCoordinates(
  http: ConsulHttp,
  state: RoutingState,
  ingress: string,
  ingressDatacenter: string,
  intervalMs: number,
  onError: (error: Error) => void,
): CoordinatePoller {
  const poll = async (): Promise<boolean> => {
    try {
      const answer = await http.call({ path: "/v1/coordinate/datacenters" });
      const what = "coordinate/datacenters";
      if (answer.status !== 200) throw new ConsulStatusError(what, answer);
      const table = datacenterRttMs(answerJson<DatacenterCoordinates[]>(answer, what));
      const fromHere = table[ingressDatacenter] ?? {};
      const row: Record<string, number> = {};
      for (const site of state.catalogue.sites) {
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
