import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import { consulHttp } from "../../health/consul/consul-http.ts";
import { startConsulDouble } from "../../health/testing/consul-double/consul-double.ts";
import { type ConsulFleetSettings, consulFleet, datacentersOf, membersOf } from "./consul-fleet.ts";

/** The gateway's Consul client against `address`, closed when the test ends. */
function client(t: { after: (fn: () => unknown) => void }, address: string) {
  const http = consulHttp({ address });
  t.after(() => http.close());
  return http;
}

const SETTINGS: ConsulFleetSettings = {
  service: "gateway-metrics",
  path: "/sites",
  refreshMs: 30_000,
  timeoutMs: 2_000,
  maxDatacenters: 64,
  concurrency: 4,
};

/** Registers site's gateway-metrics instance in its own datacenter, as deploy/consul/ does. */
function register(
  consul: Awaited<ReturnType<typeof startConsulDouble>>,
  site: string,
  address: string,
  status: "passing" | "critical" = "passing",
) {
  consul.setService(
    site,
    { Node: `${site}-gw-1`, Address: "10.9.9.9" },
    {
      ID: `gateway-metrics-${site}`,
      Service: "gateway-metrics",
      Address: address,
      Port: 9091,
      Meta: { site },
    },
    [{ CheckID: `gateway-metrics-${site}-listening`, Status: status }],
  );
}

test("every datacenter's gateway is a member, passing or not, at its management address", async (t) => {
  const consul = await startConsulDouble({ datacenters: ["fra", "lhr", "znz"], random: () => 0 });
  t.after(() => consul.close());
  register(consul, "fra", "192.0.2.1");
  register(consul, "lhr", "192.0.2.2", "critical");
  const fleet = consulFleet(client(t, consul.url), SETTINGS);
  t.after(() => fleet.close());
  assert.deepEqual(await fleet.members(), [
    { site: "fra", url: "http://192.0.2.1:9091/sites" },
    { site: "lhr", url: "http://192.0.2.2:9091/sites" },
  ]);
});

test("the list is kept for refreshMs, and the last good one stays when Consul fails", async (t) => {
  const consul = await startConsulDouble({ datacenters: ["fra", "lhr"], random: () => 0 });
  t.after(() => consul.close());
  register(consul, "fra", "192.0.2.1");
  let clock = 0;
  const fleet = consulFleet(client(t, consul.url), SETTINGS, () => clock);
  t.after(() => fleet.close());
  const first = await fleet.members();
  register(consul, "lhr", "192.0.2.2");
  clock += SETTINGS.refreshMs - 1;
  assert.deepEqual(await fleet.members(), first, "not asked again before refreshMs");
  clock += 1;
  assert.equal((await fleet.members()).length, 2, "asked again at refreshMs");
  consul.failAll(true);
  clock += SETTINGS.refreshMs;
  assert.equal((await fleet.members()).length, 2, "the last good list while Consul fails");
});

test("with no list yet, a Consul that fails is an error the caller reports", async (t) => {
  const consul = await startConsulDouble({ datacenters: ["fra"], random: () => 0 });
  t.after(() => consul.close());
  consul.failAll(true);
  const fleet = consulFleet(client(t, consul.url), SETTINGS);
  t.after(() => fleet.close());
  await assert.rejects(fleet.members(), /answered 500/);
});

test("a datacenter that does not answer is one member with the reason", async (t) => {
  const consul = await startConsulDouble({ datacenters: ["fra", "znz"], random: () => 0 });
  t.after(() => consul.close());
  register(consul, "fra", "192.0.2.1");
  register(consul, "znz", "192.0.2.3");
  // A real server in front of the double that refuses every question about dc=znz, as a
  // partitioned datacenter's servers would (Consul answers 500 "No path to datacenter").
  const front = createServer(async (req, res) => {
    if (req.url?.includes("dc=znz")) return void res.writeHead(500).end("No path to datacenter");
    const answer = await fetch(`${consul.url}${req.url}`);
    res.writeHead(answer.status, { "content-type": "application/json" }).end(await answer.text());
  });
  await new Promise<void>((resolve) => front.listen(0, "127.0.0.1", resolve));
  t.after(() => front.close());
  const address = `127.0.0.1:${(front.address() as { port: number }).port}`;
  const fleet = consulFleet(client(t, address), SETTINGS);
  t.after(() => fleet.close());
  const [fra, znz, ...rest] = await fleet.members();
  assert.deepEqual([fra, rest], [{ site: "fra", url: "http://192.0.2.1:9091/sites" }, []]);
  assert.equal(znz?.site, "znz");
  assert.match(znz?.error ?? "", /^Consul datacenter znz: .*answered 500/);
});

const transforms: { name: string; answer: unknown; expect: unknown }[] = [
  {
    name: "an instance without the site meta belongs to its datacenter's site",
    answer: [{ Node: { Address: "10.0.0.1" }, Service: { Port: 9091 } }],
    expect: [{ site: "dar", url: "http://10.0.0.1:9091/sites" }],
  },
  {
    name: "an IPv6 address is bracketed",
    answer: [{ Service: { Address: "2001:db8::7", Port: 9091, Meta: { site: "dar" } } }],
    expect: [{ site: "dar", url: "http://[2001:db8::7]:9091/sites" }],
  },
  {
    name: "an instance without a port, or with an address that is not one, cannot be read",
    answer: [
      { Service: { Address: "10.0.0.1", Meta: { site: "dar" } } },
      { Service: { Address: "evil/path?x", Port: 80 } },
    ],
    expect: [
      { site: "dar", error: "registered without an address and port" },
      { site: "dar", error: "registered without an address and port" },
    ],
  },
  {
    name: "a site meta that is not a site id is not believed",
    answer: [{ Service: { Address: "10.0.0.1", Port: 1, Meta: { site: "../x" } } }],
    expect: [{ site: "dar", url: "http://10.0.0.1:1/sites" }],
  },
  {
    name: "an answer that is not a list is one member that cannot be read",
    answer: { error: "x" },
    expect: [{ site: "dar", error: "Consul's answer is not a list" }],
  },
];

for (const c of transforms)
  test(c.name, () => {
    assert.deepEqual(membersOf("dar", c.answer, "/sites"), c.expect);
  });

test("datacenter names that could not be one are skipped", () => {
  assert.deepEqual(datacentersOf(["fra", "a/b", 7, "x".repeat(65), "dc-2"]), ["fra", "dc-2"]);
  assert.throws(() => datacentersOf({}), /not a list/);
});
