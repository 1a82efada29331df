/**
 * Consul's /v1/health/service answer → each instance's address and verdict. An instance is
 * up only when every check on it passes: its own checks and its node's (serfHealth), so a
 * critical check or node/service maintenance (Consul's `_node_maintenance` /
 * `_service_maintenance:` critical checks) takes it out. Pure; table-tested.
 */
export interface ConsulHealthEntry {
  readonly Node: { readonly Node: string; readonly Address: string };
  readonly Service: { readonly ID: string; readonly Address?: string; readonly Port: number };
  readonly Checks: readonly { readonly CheckID: string; readonly Status: string }[];
}

export interface InstanceVerdict {
  /** host:port, as the catalogue writes backends. */
  readonly backend: string;
  readonly up: boolean;
}

export function instanceVerdicts(entries: readonly ConsulHealthEntry[]): InstanceVerdict[] {
  return entries
    .map((entry) => {
      const host = entry.Service.Address || entry.Node.Address;
      const backend = host.includes(":")
        ? `[${host}]:${entry.Service.Port}`
        : `${host}:${entry.Service.Port}`;
      return { backend, up: entry.Checks.every((check) => check.Status === "passing") };
    })
    .sort((a, b) => a.backend.localeCompare(b.backend));
}
