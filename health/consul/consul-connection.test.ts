import assert from "node:assert/strict";
import { test } from "node:test";
import { connectionFromEnv, consulBaseUrl } from "./consul-connection.ts";

test("the usual environment variables configure the connection", () => {
  const env = {
    CONSUL_HTTP_ADDR: "consul.internal:8501",
    CONSUL_HTTP_TOKEN: "s3cr3t",
    CONSUL_HTTP_SSL: "true",
    CONSUL_CACERT: "/etc/consul/ca.pem",
    CONSUL_CLIENT_CERT: "/etc/consul/cert.pem",
    CONSUL_CLIENT_KEY: "/etc/consul/key.pem",
  };
  assert.deepEqual(connectionFromEnv(env), {
    address: "consul.internal:8501",
    token: "s3cr3t",
    https: true,
    tls: {
      caFile: "/etc/consul/ca.pem",
      certFile: "/etc/consul/cert.pem",
      keyFile: "/etc/consul/key.pem",
    },
  });
});

test("nothing set means the local agent over HTTP", () => {
  assert.deepEqual(connectionFromEnv({}), {});
  assert.equal(consulBaseUrl({}).toString(), "http://127.0.0.1:8500/");
});

for (const [name, connection, expected] of [
  ["an address without a scheme is HTTP", { address: "10.0.0.1:8500" }, "http://10.0.0.1:8500/"],
  [
    "CONSUL_HTTP_SSL makes it HTTPS",
    { address: "10.0.0.1:8501", https: true },
    "https://10.0.0.1:8501/",
  ],
  [
    "a URL keeps its own scheme",
    { address: "https://consul.example:8501" },
    "https://consul.example:8501/",
  ],
] as const) {
  test(name, () => assert.equal(consulBaseUrl(connection).toString(), expected));
}
