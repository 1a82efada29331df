/**
 * What `npm start` prints once the world runs: the addresses, and commands to paste into
 * another shell, built from the real addresses (so they stay right with --port/--admin-port).
 */

export interface BannerFacts {
  readonly frontUrl: string;
  readonly adminUrl: string;
  readonly sites: number;
  readonly hubs: number;
  readonly backends: number;
}

/** Sample clients of the demo GeoIP database (gateway/demo/geoip/README.md). */
const CLIENTS: readonly [address: string, where: string][] = [
  ["198.51.100.161", "a client in Zanzibar (pinned: znz, then dar, then the dxb hub)"],
  ["198.51.100.1", "Buenos Aires"],
  ["198.51.100.97", "London"],
  ["198.51.100.113", "Paris (EU residency: served in the EU only)"],
  ["203.0.113.1", "Nairobi: no site there, so the nearest"],
  ["192.0.2.1", "location unknown: the first hub (fra)"],
];

export function demoBanner(facts: BannerFacts): string {
  const { frontUrl: front, adminUrl: admin } = facts;
  const client = (address: string) => `curl -s -H 'X-Forwarded-For: ${address}' ${front}/`;
  const watch = (address: string) =>
    `for i in $(seq 20); do curl -s -o /dev/null -w '%{http_code} %header{x-gateway-ingress} -> %header{x-gateway-site}\\n' -H 'X-Forwarded-For: ${address}' ${front}/; done`;
  const width = Math.max(...CLIENTS.map(([address]) => client(address).length)) + 2;
  const map = `${admin}/ui/`;
  const urlWidth = Math.max(front.length, admin.length, map.length);
  const indent = " ".repeat(urlWidth + 11);
  const line = (command: string, comment: string) => `  ${command.padEnd(width)}# ${comment}`;
  return [
    "",
    `Demo world: the reference world, ${facts.sites - facts.hubs} edge sites and ${facts.hubs} hubs, on this machine.`,
    `  ${facts.sites} gateways and ${facts.backends} backends; each backend answers JSON naming its site, after a`,
    "  WAN delay estimated from the distance between the ingress site and its own.",
    "",
    `  front  ${front.padEnd(urlWidth)}  the demo's STAND-IN for BGP anycast: it delivers each client,`,
    `${indent}by its GeoIP location, to the nearest site whose gateway announces`,
    `${indent}the VIP (is ready). Real BGP (BIRD, ExaBGP): the anycast lab, deploy/README.md.`,
    `  admin  ${admin.padEnd(urlWidth)}  the gateway admin API; an ops override here applies to every`,
    `${indent}gateway (as Consul KV does for real gateways: gateway/feeds/consul/README.md).`,
    `  map    ${map.padEnd(urlWidth)}  the ops view: every site on a world map, live, over all`,
    `${indent}${facts.sites} gateways (fleet mode); explain, drain, compromise (gateway/ui/README.md).`,
    "",
    "Loopback is a trusted proxy: X-Forwarded-For names the client, located by the demo GeoIP database.",
    "",
    "Clients from several regions:",
    ...CLIENTS.map(([address, where]) => line(client(address), where)),
    "",
    "Watch where a client's requests go (ingress -> serving site):",
    `  ${watch("198.51.100.161")}`,
    "",
    "Ops overrides (every gateway):",
    line(
      `curl -s -X POST ${admin}/sites/znz/compromise`,
      "never route to znz; its gateway stops announcing",
    ),
    line(`curl -s -X POST ${admin}/sites/znz/drain`, "no new traffic to znz"),
    line(`curl -s -X POST ${admin}/sites/znz/restore`, "back to normal"),
    "Demo drills:",
    line(
      `curl -s -X POST ${admin}/demo/sites/lhr/kill`,
      "stop London's backends; its gateway retries elsewhere",
    ),
    line(`curl -s -X POST ${admin}/demo/sites/lhr/revive`, "start them again"),
    "Look inside:",
    line(`curl -s ${admin}/sites`, "site states and shares (?ingress=SITE for another gateway)"),
    line(`curl -s ${admin}/metrics`, "every gateway's metrics, labelled by ingress"),
    line(`curl -s '${admin}/explain?ip=198.51.100.161'`, "why this site, for a client"),
    line(`npx gateway status --admin ${admin} --fleet`, "the same as a table (--watch, --json)"),
    line(`curl -s ${admin}/demo/world`, "every gateway, its backends, who announces"),
    "",
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}
