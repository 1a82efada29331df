/**
 * The failover workload's conductor: sends the workload's ops events to the gateway admin API
 * (`POST /sites/:id/drain|compromise|restore`) at their set times while the load runs. In
 * the demo the admin applies them to every gateway; in production point ADMIN_URL at the
 * admin of one gateway per site, or at the Consul-KV-backed one (ADMIN_TOKEN: its bearer token).
 */
import { check, sleep } from "k6";
import http from "k6/http";
import { type OpsEvent, opsPath } from "../config/workloads.ts";

export function runOps(
  adminUrl: string,
  ops: readonly OpsEvent[],
  startedAtMs: number,
  token: string | undefined,
): void {
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  for (const event of [...ops].sort((a, b) => a.atS - b.atS)) {
    const waitMs = startedAtMs + event.atS * 1_000 - Date.now();
    if (waitMs > 0) sleep(waitMs / 1_000);
    const tags = { flow: "ops", action: event.action, ops_site: event.site };
    const res = http.post(`${adminUrl}${opsPath(event)}`, null, {
      headers,
      tags,
    });
    check(res, { "ops action accepted": (r) => r.status === 200 }, tags);
  }
}
