/**
 * The demo world's DNS side: the first hub's gateway serves DNS answers for example.test (its
 * control plane opens the demo GeoIP database), and, where PowerDNS and its remote backend
 * are installed, a real `pdns_server` answers on 127.0.0.1 (`--dns-port`, default 5300) with
 * its caches off, so a compromise shows in the very next `dig`.
 */
import { powerdnsMissing, startPowerDns } from "../testing/powerdns.ts";

export const DEMO_ZONE = "example.test";

/** The boot's `dns` section of the gateway that answers: on port 0, TTL 30 s as in production. */
export function demoDnsBoot(host: string) {
  return {
    enabled: true,
    listen: { host, port: 0 },
    zones: [
      {
        name: DEMO_ZONE,
        hostmaster: `hostmaster@${DEMO_ZONE}`,
        nameServers: [{ name: `ns1.${DEMO_ZONE}`, ipv4: "192.0.2.53" }],
      },
    ],
  };
}

export type DemoDns =
  | {
      readonly on: true;
      readonly port: number;
      readonly endpointUrl: string;
      stop(): Promise<void>;
    }
  | { readonly on: false; readonly reason: string; readonly endpointUrl: string };

/** PowerDNS in front of `endpointUrl`, or why not (not installed, the port taken). */
export async function startDemoDns(endpointUrl: string, port: number): Promise<DemoDns> {
  const missing = powerdnsMissing();
  if (missing) return { on: false, reason: missing, endpointUrl };
  try {
    const pdns = await startPowerDns({ endpointUrl, zone: DEMO_ZONE, port });
    return { on: true, port: pdns.port, endpointUrl, stop: pdns.stop };
  } catch (error) {
    const reason = `PowerDNS did not start on port ${port} (${(error as Error).message.split("\n")[0]}); pick another port with --dns-port N`;
    return { on: false, reason, endpointUrl };
  }
}
