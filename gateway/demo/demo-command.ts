/**
 * The demo world (what `npm start` runs): the reference world on 127.0.0.1 — every site's
 * backends and gateway, the anycast stand-in on --port (8080) and the demo admin API on
 * --admin-port (9090) — until SIGINT or SIGTERM, which close everything and exit 0.
 * `--decisions` prints the reference world's routing decisions instead, and exits.
 */

import {
  type CommandIo,
  EXIT_INVALID,
  EXIT_OK,
  EXIT_USAGE,
  parseCommandArgs,
} from "../commands/io.ts";
import { demoBanner } from "./banner.ts";
import { startDemoWorld } from "./demo-world.ts";
import { PortInUseError } from "./fixed-ports.ts";
import { printDecisions } from "./print-decisions.ts";

export const DEMO_USAGE = `usage: npm start -- [--port N] [--tls-port N] [--admin-port N] [--dns-port N] [--fleet] [--decisions]
  Runs the demo world on 127.0.0.1: every site of the reference world with its backends and
  gateway, a front address standing in for anycast, and the demo admin API. Ctrl-C stops it.
  --port N         the front (anycast stand-in) port (default 8080)
  --tls-port N     its TLS twin, h2 and HTTP/1.1 (default 8443; a local CA made at first start)
  --admin-port N   the demo admin API port (default 9090)
  --dns-port N     PowerDNS's port for DNS steering, when installed (default 5300)
  --fleet          every site in its own Consul datacenter (an in-process Consul double);
                   ops overrides stored in the hubs' KV and read back by every gateway
  --decisions      print the reference world's routing decisions and exit`;

const OPTIONS = {
  port: { type: "string", default: "8080" },
  "tls-port": { type: "string", default: "8443" },
  "admin-port": { type: "string", default: "9090" },
  "dns-port": { type: "string", default: "5300" },
  fleet: { type: "boolean", default: false },
  decisions: { type: "boolean", default: false },
} as const;

const FLAG_OF = { front: "--port", tls: "--tls-port", admin: "--admin-port" } as const;

export async function demoCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = parseCommandArgs("demo", DEMO_USAGE, { args: [...args], options: OPTIONS }, io);
  if (!parsed) return EXIT_USAGE;
  const { values } = parsed;
  if (values.decisions) return printDecisions(io);
  const frontPort = portOf(values.port);
  const tlsPort = portOf(values["tls-port"]);
  const adminPort = portOf(values["admin-port"]);
  const dnsPort = portOf(values["dns-port"]);
  if (
    frontPort === undefined ||
    tlsPort === undefined ||
    adminPort === undefined ||
    dnsPort === undefined
  ) {
    io.err(`npm start: a port is a whole number from 0 to 65535\n${DEMO_USAGE}`);
    return EXIT_USAGE;
  }
  let world: Awaited<ReturnType<typeof startDemoWorld>>;
  try {
    world = await startDemoWorld({ frontPort, tlsPort, adminPort, dnsPort, fleet: values.fleet });
  } catch (error) {
    if (error instanceof PortInUseError) {
      io.err(`npm start: ${error.message}; pick another port with ${FLAG_OF[error.role]} N`);
      return EXIT_INVALID;
    }
    io.err(`npm start: ${(error as Error).message}`);
    return EXIT_INVALID;
  }
  const sites = world.catalogue.sites;
  io.out(
    demoBanner({
      frontUrl: world.frontUrl,
      adminUrl: world.adminUrl,
      adminToken: world.adminToken,
      sites: sites.length,
      hubs: sites.filter((s) => s.tier === "hub").length,
      backends: [...world.backends.values()].flat().length,
      ...(world.dns && {
        dns: world.dns.on ? { port: world.dns.port } : { off: world.dns.reason },
      }),
      controlDatacenters: world.controlDatacenters,
      ...(world.tls && { tls: world.tls }),
    }),
  );
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      io.out(`\n${signal}: stopping the demo world (again to force)…`);
      world.close().then(
        () => resolve(EXIT_OK),
        (error: Error) => {
          io.err(`npm start: while stopping: ${error.message}`);
          resolve(EXIT_INVALID);
        },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

function portOf(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65_535 ? port : undefined;
}
