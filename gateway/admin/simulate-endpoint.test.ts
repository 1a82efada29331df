// POST /simulate: the handler on the reference world's inputs with the demo GeoIP database,
// then mounted on a real gateway's admin API (127.0.0.1 port 0; off loopback when the
// machine has an interface for it).
import assert from "node:assert/strict";
import { networkInterfaces } from "node:os";
import { test } from "node:test";
import { openClientLocator } from "../client-facts/client-locator.ts";
import {
  DEMO_GEOIP,
  loadWorld,
  REFERENCE_CATALOGUE,
  REFERENCE_POLICY,
} from "../config/config-files.ts";
import { RoutingState } from "../state/routing-state.ts";
import { startTestWorld } from "../testing/fixtures.ts";
import { TEST_ADMIN_TOKEN } from "../testing/test-admin.ts";
import {
  MAX_SIMULATE_BODY_BYTES,
  MAX_SIMULATE_ROWS,
  simulateEndpoint,
} from "./simulate-endpoint.ts";

const ZANZIBAR = "198.51.100.161";
const DAR_ES_SALAAM = "198.51.100.145";
const PARIS = "198.51.100.113";

function liveWorld() {
  const world = loadWorld(REFERENCE_CATALOGUE, REFERENCE_POLICY);
  if (!world.ok) assert.fail(JSON.stringify(world.errors));
  const state = new RoutingState({ catalogue: world.catalogue, policy: world.policy });
  const locator = openClientLocator(DEMO_GEOIP);
  const live = {
    inputs: state.inputs,
    ingress: "fra",
    snapshotVersion: 7,
    locate: (ip: string) => locator.locate(ip),
  };
  return { state, live };
}

interface Step {
  readonly step: string;
  readonly sites: { site: string; rps: number }[];
  readonly flows: { group: string; site: string; kind: string; ingress: string; rps: number }[];
  readonly residencyViolations: unknown[];
}

async function post(body: unknown) {
  const { live, state } = liveWorld();
  const answer = await simulateEndpoint(
    typeof body === "string" ? body : JSON.stringify(body),
    live,
  );
  return {
    answer,
    body: answer.body as { steps: Step[]; errors?: string[]; code?: string; policy?: string },
    state,
  };
}

const siteRps = (step: Step | undefined, site: string) =>
  step?.sites.find((s) => s.site === site)?.rps;

test("a mix under dar=down: Dar es Salaam's 50 rps go to znz, on the live policy", async () => {
  const mix = [
    { ip: DAR_ES_SALAAM, rps: 50 },
    { ip: ZANZIBAR, rps: 20 },
    { ip: PARIS, rps: 30 },
  ];
  const { answer, body } = await post({ mix, state: "dar=down" });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(body.policy, "live");
  const [step] = body.steps;
  assert.equal(siteRps(step, "znz"), 70);
  assert.equal(siteRps(step, "dar"), 0);
  assert.equal(siteRps(step, "cdg"), 30);
  assert.deepEqual(step?.residencyViolations, []);
});

test("a proposed policy is simulated, and the live state is left as it was", async () => {
  const { state } = liveWorld();
  const before = state.snapshot;
  const policy = `services:\n  - name: web\n    hosts: [app.example.net]\n    weights: { dxb: 1 }\n    steering: weighted\n`;
  const { answer, body } = await post({ mix: [{ ip: PARIS, rps: 10 }], policy });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(body.policy, "proposed");
  assert.equal(siteRps(body.steps[0], "dxb"), 10, "the proposed weights route");
  assert.equal(state.snapshot, before);
});

test("steps add to each other: dar down, then znz down sends Dar es Salaam to dxb", async () => {
  const steps = [
    { name: "dar fails", state: "dar=down" },
    { name: "znz too", state: "znz=down" },
  ];
  const { answer, body } = await post({ mix: [{ ip: DAR_ES_SALAAM, rps: 10 }], steps });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.deepEqual(
    body.steps.map((s) => [s.step, s.flows.map((f) => f.site)]),
    [
      ["dar fails", ["znz"]],
      ["znz too", ["dxb"]],
    ],
  );
});

test("a row of unknown location arrives at this gateway's own site", async () => {
  const { body } = await post({ mix: [{ country: "DE", rps: 5 }] });
  assert.equal(body.steps[0]?.flows[0]?.ingress, "fra");
});

test("refused bodies are 400 bad_request, each with what is wrong", async () => {
  const cases: [string, unknown, RegExp][] = [
    ["not JSON", "{", /not JSON/],
    ["no mix", { state: "dar=down" }, /mix/],
    ["an unknown key", { mix: [{ ip: PARIS }], surprise: 1 }, /surprise|Unrecognized/i],
    ["a bad row", { mix: [{ ip: PARIS }, { ip: "not-an-ip" }] }, /mix\.1: ip/],
    ["an unknown site", { mix: [{ ip: PARIS }], state: "xyz=down" }, /xyz/],
    [
      "an invalid policy",
      {
        mix: [{ ip: PARIS }],
        policy: "services:\n  - name: web\n    hosts: []\n    steering: nowhere\n",
      },
      /policy:\d+:\d+/,
    ],
    [
      "too many rows",
      { mix: Array.from({ length: MAX_SIMULATE_ROWS + 1 }, () => ({ ip: PARIS })) },
      /mix/,
    ],
  ];
  for (const [what, body, expected] of cases) {
    const answer = await post(body);
    assert.equal(answer.answer.status, 400, what);
    assert.equal(answer.body.code, "bad_request", what);
    const said = JSON.stringify(answer.body);
    assert.match(said, expected, `${what}: ${said.slice(0, 300)}`);
  }
});

async function adminWorld(
  t: { after: (fn: () => Promise<void>) => void },
  boot = {},
  adminToken?: string,
) {
  const w = await startTestWorld({
    sites: [
      { id: "west", tier: "edge", longitude: 0 },
      { id: "hub", tier: "hub", longitude: 10 },
    ],
    ingresses: ["west"],
    boot,
    ...(adminToken && { adminToken }),
  });
  t.after(() => w.close());
  return `${w.gateway("west").adminUrl}/simulate`;
}

test("mounted on the admin API: POST answers (with the token), GET is 405, a body over the bound is 413", async (t) => {
  const url = await adminWorld(t);
  const headers = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
  const mix = [
    { latitude: 0, longitude: 1, rps: 4 },
    { latitude: 0, longitude: 9, rps: 6 },
  ];
  const ok = await fetch(url, {
    method: "POST",
    headers,
    body: JSON.stringify({ mix, state: "west=down" }),
  });
  const body = (await ok.json()) as { steps: Step[] };
  assert.equal(ok.status, 200);
  assert.equal(siteRps(body.steps[0], "hub"), 10);
  assert.equal((await fetch(url)).status, 405);
  const big = "x".repeat(MAX_SIMULATE_BODY_BYTES + 1);
  const huge = await fetch(url, { method: "POST", headers, body: big });
  assert.equal(huge.status, 413);
  assert.equal(((await huge.json()) as { code: string }).code, "body_too_large");
});

const offLoopback = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

test("POST /simulate wants the bearer token, as the overrides do (off loopback too)", {
  skip: offLoopback ? false : "no non-loopback IPv4 interface",
}, async (t) => {
  const url = await adminWorld(t, { admin: { host: offLoopback, port: 0 } }, "s3cret");
  const body = JSON.stringify({ mix: [{ latitude: 0, longitude: 1 }] });
  assert.equal((await fetch(url, { method: "POST", body })).status, 401);
  const authorised = await fetch(url, {
    method: "POST",
    body,
    headers: { authorization: "Bearer s3cret" },
  });
  assert.equal(authorised.status, 200);
});
