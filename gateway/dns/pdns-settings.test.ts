import assert from "node:assert/strict";
import { test } from "node:test";
import { asArguments, asConfigFile, pdnsSettings } from "./pdns-settings.ts";

const base = {
  endpointUrl: "http://127.0.0.1:8053/dns",
  localAddress: "127.0.0.1",
  localPort: 5300,
  socketDir: "/run/pdns",
  configDir: "/etc/powerdns",
};

test("the remote backend points at the gateway's endpoint with the call timeout", () => {
  const settings = pdnsSettings({ ...base, caches: true, timeoutMs: 1_000 });
  assert.equal(settings.launch, "remote");
  assert.equal(
    settings["remote-connection-string"],
    "http:url=http://127.0.0.1:8053/dns,timeout=1000",
  );
  assert.equal(settings["edns-subnet-processing"], "yes");
});

test("caches off sets every PowerDNS cache TTL to 0; on keeps PowerDNS's defaults", () => {
  const keys = ["cache-ttl", "query-cache-ttl", "negquery-cache-ttl"];
  const off = pdnsSettings({ ...base, caches: false });
  const on = pdnsSettings({ ...base, caches: true });
  assert.deepEqual(
    keys.map((k) => off[k]),
    ["0", "0", "0"],
  );
  assert.deepEqual(
    keys.map((k) => on[k]),
    ["20", "20", "60"],
  );
});

test("the settings read as arguments and as pdns.conf lines", () => {
  const settings = { "local-port": "5300", "security-poll-suffix": "" };
  assert.deepEqual(asArguments(settings), ["--local-port=5300", "--security-poll-suffix="]);
  assert.equal(asConfigFile(settings), "local-port=5300\nsecurity-poll-suffix=\n");
});
