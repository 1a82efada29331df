/**
 * `GET /explain?ip=&host=&path=`: the decision for one client from this ingress, with its
 * reasons. Computed where the client's location can be read (a data plane: GeoIP is open
 * there), on the snapshot that data plane serves from.
 */
import { isIP } from "node:net";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { decide } from "../../routing-tables/decide.ts";
import { explainJson } from "../../routing-tables/explain.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";

export interface ExplainQuery {
  readonly ip: string;
  /** Default: the first host of the first service. */
  readonly host?: string | undefined;
  readonly path: string;
}

export type ExplainAnswer =
  | { readonly ok: true; readonly body: unknown }
  | { readonly ok: false; readonly code: "bad_request" | "internal"; readonly detail: string };

export function explainAnswer(
  snapshot: Snapshot,
  ingress: string,
  locate: (address: string) => ClientLocation,
  query: ExplainQuery,
): ExplainAnswer {
  if (query.ip && isIP(query.ip) === 0)
    return { ok: false, code: "bad_request", detail: `not an IP address: ${query.ip}` };
  let client: ClientLocation = {};
  try {
    client = query.ip ? locate(query.ip) : {};
  } catch {
    // Only text that is not an IP is the asker's fault: a look-up that fails (a database
    // record that cannot be read) is "location unknown", as the request path reads it.
  }
  const host = query.host ?? snapshot.services[0]?.hosts[0] ?? "";
  const facts = { ingress, host, path: query.path, client };
  const body = {
    ip: query.ip,
    host,
    ...explainJson(
      snapshot,
      decide(snapshot, facts, () => 0),
      client,
    ),
  };
  return { ok: true, body };
}
