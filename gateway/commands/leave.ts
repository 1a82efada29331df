/**
 * `gateway leave --config FILE`: the site named by the boot config leaves the fleet — its
 * catalogue entry (`<consul.kvPrefix>/sites/<site>`) is deleted from every control datacenter,
 * and every other gateway removes the site after `consul.fleetLeaveAfterMs` (never the last
 * hub). Consul from the environment, as `serve` (CONSUL_HTTP_ADDR, CONSUL_HTTP_TOKEN). Exit 0
 * when every control datacenter dropped it, 1 otherwise (which ones, and why, on stderr).
 */
import { connectionFromEnv } from "../../health/consul/consul-connection.ts";
import { consulHttp } from "../../health/consul/consul-http.ts";
import { describeErrors, loadBoot } from "../config/load-boot.ts";
import { leaveFleet } from "../feeds/consul/fleet-registration.ts";
import { type CommandIo, EXIT_INVALID, EXIT_OK, EXIT_USAGE, parseCommandArgs } from "./io.ts";

export const LEAVE_USAGE = `usage: gateway leave --config FILE
  Deletes this site's entry from the fleet's place of record (consul.kvPrefix in every
  consul.controlDatacenters), so every gateway removes the site. A restart does not leave;
  this does. Consul from CONSUL_HTTP_ADDR and CONSUL_HTTP_TOKEN (a token with key:write on
  the site's own entry).`;

export async function leaveCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const options = { config: { type: "string" } } as const;
  const parsed = parseCommandArgs("leave", LEAVE_USAGE, { args: [...args], options }, io);
  if (!parsed?.values.config) {
    if (parsed) io.err(LEAVE_USAGE);
    return EXIT_USAGE;
  }
  const loaded = loadBoot(parsed.values.config);
  if (!loaded.ok) {
    io.err(describeErrors(loaded.errors));
    return EXIT_INVALID;
  }
  const { consul, site } = loaded.boot;
  const datacenters =
    consul.controlDatacenters.length > 0
      ? consul.controlDatacenters
      : consul.datacenter
        ? [consul.datacenter]
        : [];
  if (!consul.kvPrefix || datacenters.length === 0) {
    io.err(
      "gateway leave: the boot config names no place of record (consul.kvPrefix and consul.controlDatacenters or consul.datacenter)",
    );
    return EXIT_INVALID;
  }
  const http = consulHttp(connectionFromEnv());
  try {
    const failed = await leaveFleet({ http, prefix: consul.kvPrefix, datacenters }, site);
    for (const f of failed)
      io.err(`gateway leave: ${site} still registered in ${f.datacenter}: ${f.reason}`);
    if (failed.length > 0) return EXIT_INVALID;
    io.out(`${site} left the fleet: its entry is gone from ${datacenters.join(", ")}`);
    return EXIT_OK;
  } finally {
    await http.close();
  }
}
