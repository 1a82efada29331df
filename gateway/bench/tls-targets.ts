/**
 * The TLS benchmark's targets, each a child process with a plain and a TLS listener on the
 * same certificate (an ECDSA P-256 pair from a local CA made in the benchmark's folder):
 *   gateway  `gateway serve --workers 1` over gateway-world.ts's world, its boot given a `tls`
 *            section (listener, the pair, Mozilla intermediate, HTTP/2 on)
 *   nginx    one worker, `listen … ssl` with HTTP/2 (`http2 on`, or `listen … ssl http2` before
 *            1.25.1), the same protocols, ciphers and groups, the same upstream keep-alive
 * Each is ready once both listeners answered a request end to end.
 */
import type { ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Agent, request } from "undici";
import { parse, stringify } from "yaml";
import { MOZILLA_INTERMEDIATE_CIPHERS, MOZILLA_INTERMEDIATE_CURVES } from "../config/tls-schema.ts";
import type { IssuedPair } from "../demo/local-ca.ts";
import type { Children } from "./children.ts";
import { writeGatewayWorld } from "./gateway-world.ts";
import { nginxConf, nginxVersion } from "./nginx-conf.ts";
import { reservePort, until } from "./targets.ts";
import { BODIES, REQUEST_HEADERS } from "./workload.ts";

export type TlsTargetName = "gateway" | "nginx";

export interface TlsTarget {
  readonly name: TlsTargetName;
  /** `http://127.0.0.1:PORT` and `https://127.0.0.1:PORT` (the certificate names the address). */
  readonly plainUrl: string;
  readonly tlsUrl: string;
  readonly child: ChildProcess;
}

export interface TlsTargetContext {
  readonly children: Children;
  readonly dir: string;
  /** host:port of the upstream's two listeners. */
  readonly upstream: readonly [string, string];
  readonly pair: IssuedPair;
  readonly caCert: string;
  readonly nginx?: string;
  readonly readyTimeoutMs: number;
}

const GATEWAY_CLI = fileURLToPath(new URL("../cli.ts", import.meta.url));

export async function startTlsTarget(
  name: TlsTargetName,
  ctx: TlsTargetContext,
): Promise<TlsTarget> {
  const dir = join(ctx.dir, name);
  mkdirSync(dir, { recursive: true });
  const [port, tlsPort] = [await reservePort(), await reservePort()];
  const child =
    name === "gateway" ? gateway(dir, port, tlsPort, ctx) : nginx(dir, port, tlsPort, ctx);
  const target = {
    name,
    plainUrl: `http://127.0.0.1:${port}`,
    tlsUrl: `https://127.0.0.1:${tlsPort}`,
    child,
  };
  await answering(target, ctx);
  return target;
}

function gateway(dir: string, port: number, tlsPort: number, ctx: TlsTargetContext): ChildProcess {
  const bootFile = writeGatewayWorld(dir, {
    upstream: ctx.upstream[0],
    hub: ctx.upstream[1],
    port,
  });
  const boot = parse(readFileSync(bootFile, "utf8")) as Record<string, unknown>;
  boot.tls = {
    enabled: true,
    listen: { host: "127.0.0.1", port: tlsPort },
    certificates: [{ cert: ctx.pair.cert, key: ctx.pair.key }],
  };
  writeFileSync(bootFile, stringify(boot));
  const out = openSync(join(dir, "access.log"), "a");
  const err = openSync(join(dir, "stderr.log"), "a");
  const child = ctx.children.spawn(
    process.execPath,
    [GATEWAY_CLI, "serve", "--config", bootFile, "--workers", "1"],
    { stdio: ["ignore", out, err] },
  );
  closeSync(out);
  closeSync(err);
  return child;
}

function nginx(dir: string, port: number, tlsPort: number, ctx: TlsTargetContext): ChildProcess {
  if (!ctx.nginx) throw new Error("nginx is not installed");
  const plain = nginxConf(dir, ctx.upstream[0], port);
  // nginx's own plain server, with a TLS server block beside it on the same upstream.
  const [major = 0, minor = 0, patch = 0] = nginxVersion(ctx.nginx).split(".").map(Number);
  const http2On = major > 1 || minor > 25 || (minor === 25 && patch >= 1);
  const tlsServer = `  server {
    listen 127.0.0.1:${tlsPort} ssl${http2On ? "" : " http2"};
    ${http2On ? "http2 on;" : ""}
    ssl_certificate ${ctx.pair.cert};
    ssl_certificate_key ${ctx.pair.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ${MOZILLA_INTERMEDIATE_CIPHERS};
    ssl_ecdh_curve ${MOZILLA_INTERMEDIATE_CURVES};
    ssl_prefer_server_ciphers off;
    keepalive_requests 10000000;
    location / {
      proxy_pass http://bench_upstream;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }
  }
}
`;
  const confFile = join(dir, "nginx.conf");
  writeFileSync(confFile, plain.replace(/}\n$/, tlsServer));
  const err = openSync(join(dir, "stderr.log"), "a");
  const child = ctx.children.spawn(
    ctx.nginx,
    ["-p", dir, "-c", confFile, "-e", join(dir, "nginx-error.log")],
    {
      stdio: ["ignore", "ignore", err],
    },
  );
  closeSync(err);
  return child;
}

/** Both listeners answer every body 200 (TLS trusting the benchmark's CA). */
async function answering(target: TlsTarget, ctx: TlsTargetContext): Promise<void> {
  const dispatcher = new Agent({ connect: { ca: readFileSync(ctx.caCert, "utf8") } });
  try {
    const check = () => answers(target, dispatcher);
    await until(check, target.child, ctx.readyTimeoutMs, `${target.name} answering`, () => "");
  } finally {
    await dispatcher.close();
  }
}

async function answers(target: TlsTarget, dispatcher: Agent): Promise<boolean> {
  try {
    for (const base of [target.plainUrl, target.tlsUrl])
      for (const body of BODIES) {
        const res = await request(`${base}${body.path}`, { headers: REQUEST_HEADERS, dispatcher });
        const bytes = (await res.body.arrayBuffer()).byteLength;
        if (res.statusCode !== 200 || bytes !== body.bytes) return false;
      }
    return true;
  } catch {
    return false;
  }
}
