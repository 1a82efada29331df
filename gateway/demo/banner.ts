/**
 * What `npm start` prints once the world runs: the addresses, and commands to paste into
 * another shell, built from the real addresses (so they stay right with --port/--admin-port).
 */

export interface BannerFacts {
  readonly frontUrl: string;
  readonly adminUrl: string;
  /** The bearer token every admin change needs. */
  readonly adminToken: string;
  readonly sites: number;
  readonly hubs: number;
  readonly backends: number;
  /** The DNS side: PowerDNS's port, or why it is off; absent: not asked for. */
  readonly dns?: { readonly port: number } | { readonly off: string };
  /** Fleet mode: the control datacenters (the place of record); empty without it. */
  readonly controlDatacenters?: readonly string[];
  /** The TLS front and the CA file its clients trust, or why TLS is off; absent: not asked for. */
  readonly tls?: { readonly url: string; readonly caCert: string } | { readonly off: string };
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
  const change = (path: string) =>
    `curl -s -X POST -H "Authorization: Bearer $GATEWAY_ADMIN_TOKEN" ${admin}${path}`;
  const watch = (address: string) =>
    `for i in $(seq 20); do curl -s -o /dev/null -w '%{http_code} %header{x-gateway-ingress} -> %header{x-gateway-site}\\n' -H 'X-Forwarded-For: ${address}' ${front}/; done`;
  const width = Math.max(...CLIENTS.map(([address]) => client(address).length)) + 2;
  const map = `${admin}/ui/`;
  const urlWidth = Math.max(front.length, admin.length, map.length);
  const indent = " ".repeat(urlWidth + 11);
  const line = (command: string, comment: string) =>
    `  ${command}${" ".repeat(Math.max(2, width - command.length))}# ${comment}`;
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
    ...overrideLines(facts.controlDatacenters ?? [], indent),
    `  token  export GATEWAY_ADMIN_TOKEN=${facts.adminToken}`,
    `${indent}every admin change needs it (a new token each run); reads do not.`,
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
    "Ops overrides (every gateway; after the export above):",
    line(change("/sites/znz/compromise"), "never route to znz; its gateway stops announcing"),
    line(change("/sites/znz/drain"), "no new traffic to znz"),
    line(change("/sites/znz/restore"), "back to normal"),
    "Demo drills:",
    line(change("/demo/sites/lhr/kill"), "stop London's backends; its gateway retries elsewhere"),
    line(change("/demo/sites/lhr/revive"), "start them again"),
    "Look inside:",
    line(`curl -s ${admin}/sites`, "site states and shares (?ingress=SITE for another gateway)"),
    line(`curl -s ${admin}/metrics`, "every gateway's metrics, labelled by ingress"),
    line(`curl -s '${admin}/explain?ip=198.51.100.161'`, "why this site, for a client"),
    line(`npx gateway status --admin ${admin} --fleet`, "the same as a table (--watch, --json)"),
    line(`curl -s ${admin}/demo/world`, "every gateway, its backends, who announces"),
    "",
    ...tlsLines(facts.tls, admin),
    ...dnsLines(facts.dns),
    "Ctrl-C stops everything.",
    "",
  ].join("\n");
}

/** HTTPS: curl lines over HTTP/2 and HTTP/1.1 trusting the demo's CA, or why TLS is off. */
function tlsLines(tls: BannerFacts["tls"], admin: string): string[] {
  if (!tls) return [];
  if ("off" in tls) return [`HTTPS: off (${tls.off}).`, ""];
  const folder = tls.caCert.slice(0, tls.caCert.lastIndexOf("/"));
  const client = (flag: string) =>
    `curl -s --cacert ${tls.caCert} ${flag} -H 'X-Forwarded-For: 198.51.100.161' ${tls.url}/`;
  const version = `curl -s -o /dev/null -w '%{http_version} %{http_code}\\n' --cacert ${tls.caCert} --http2 ${tls.url}/`;
  return [
    `HTTPS on ${tls.url}: the same stand-in for TLS, each connection relayed by the client's address to a`,
    "gateway's TLS listener (HTTP/2 and HTTP/1.1 by ALPN; an ECDSA and an RSA certificate from a local CA",
    `made at the first start and kept in ${folder}; trust it with --cacert):`,
    `  ${client("--http2")}     # HTTP/2 over TLS`,
    `  ${client("--http1.1")}   # HTTP/1.1, same port`,
    `  ${version}   # prints: 2 200`,
    `  curl -s ${admin}/tls   # what a gateway serves: subject, SANs, expiry, fingerprint (?ingress=SITE)`,
    "",
  ];
}

/** DNS steering: dig lines against the demo's PowerDNS, or why it is off. */
function dnsLines(dns: BannerFacts["dns"]): string[] {
  if (!dns) return [];
  if ("off" in dns) return [`DNS steering: off (${dns.off}).`, ""];
  const dig = (subnet: string) =>
    `dig @127.0.0.1 -p ${dns.port} www.example.test A +subnet=${subnet} +short`;
  return [
    `DNS steering (gateway/dns/README.md): PowerDNS on 127.0.0.1:${dns.port}, caches off, asks the fra`,
    "gateway for each answer; the ECS subnet locates the client:",
    `  ${dig("198.51.100.160/28")}   # Zanzibar: znz, 192.0.2.110`,
    `  ${dig("198.51.100.112/28")}   # Paris: an EU site only`,
    "",
  ];
}

function overrideLines(controls: readonly string[], indent: string): string[] {
  if (controls.length === 0)
    return [
      `${indent}gateway, as a local override of each; npm start -- --fleet stores it in a place of`,
      `${indent}record every gateway reads, as real gateways do (gateway/feeds/consul/README.md).`,
    ];
  return [
    `${indent}gateway through the fleet path: each site is a Consul datacenter (an in-process double),`,
    `${indent}the override is stored in the KV of ${controls.join(", ")} and every gateway reads it back`,
    `${indent}(gateway/feeds/consul/README.md).`,
  ];
}
