/**
 * The node and check reads (api-docs/catalog "List Nodes", api-docs/health "List Checks for
 * Node", "List Checks for Service", "List Checks in State") as pure functions of one
 * datacenter's state, with the same index rule as queries.ts: the highest ModifyIndex of what
 * the answer is built from, plus the tombstones in its scope and the datacenter's floor. ACLs
 * drop nodes without `node:read` and service checks without `service:read`.
 */
import type { Authorizer } from "./acl.ts";
import { type Answer, compare, renderCheck, renderNode, tombsUnder } from "./queries.ts";
import { type DatacenterState, recordKey } from "./state.ts";
import { type CheckRecord, isCheckStatus } from "./types.ts";

const checksIndex = (dc: DatacenterState, checks: readonly CheckRecord[]): number =>
  checks.reduce(
    (max, c) => Math.max(max, c.ModifyIndex),
    Math.max(dc.floor, tombsUnder(dc, "health:")),
  );

function mayReadCheck(auth: Authorizer, check: CheckRecord): boolean {
  if (!auth.can("node", check.Node, "read")) return false;
  return check.ServiceName === "" || auth.can("service", check.ServiceName, "read");
}

function rendered(dc: DatacenterState, checks: readonly CheckRecord[]) {
  return [...checks]
    .sort((a, b) => compare(a.Node, b.Node) || compare(a.CheckID, b.CheckID))
    .map((c) =>
      renderCheck(
        c,
        c.ServiceID === "" ? undefined : dc.services.get(recordKey(c.Node, c.ServiceID)),
      ),
    );
}

function checkAnswer(
  dc: DatacenterState,
  checks: readonly CheckRecord[],
  auth: Authorizer,
  index: number,
): Answer {
  const visible = checks.filter((c) => mayReadCheck(auth, c));
  return {
    index,
    status: 200,
    json: rendered(dc, visible),
    filtered: visible.length < checks.length,
  };
}

/** GET /v1/catalog/nodes — every node, by name. */
export function catalogNodes(dc: DatacenterState, auth: Authorizer): Answer {
  const nodes = [...dc.nodes.values()].sort((a, b) => compare(a.Node, b.Node));
  const index = nodes.reduce((max, n) => Math.max(max, n.ModifyIndex), dc.floor);
  const visible = nodes.filter((n) => auth.can("node", n.Node, "read"));
  return {
    index,
    status: 200,
    json: visible.map(renderNode),
    filtered: visible.length < nodes.length,
  };
}

/** GET /v1/health/node/:node — the node's own checks and its services'. */
export function healthNode(dc: DatacenterState, node: string, auth: Authorizer): Answer {
  const checks = [...dc.checks.values()].filter((c) => c.Node === node);
  const index = Math.max(checksIndex(dc, checks), dc.nodes.get(node)?.ModifyIndex ?? 0);
  return checkAnswer(dc, checks, auth, index);
}

/** GET /v1/health/checks/:service — the checks bound to the service's instances. */
export function healthChecks(dc: DatacenterState, service: string, auth: Authorizer): Answer {
  const checks = [...dc.checks.values()].filter((c) => c.ServiceName === service);
  return checkAnswer(dc, checks, auth, checksIndex(dc, checks));
}

/** GET /v1/health/state/:state — every check in that state (`any`: all); 400 for another word. */
export function healthState(dc: DatacenterState, state: string, auth: Authorizer): Answer {
  if (state !== "any" && !isCheckStatus(state))
    return { index: 0, status: 400, text: `Invalid check state "${state}"` };
  const checks = [...dc.checks.values()].filter((c) => state === "any" || c.Status === state);
  // The index covers every check: one leaving this state changes the answer too.
  return checkAnswer(dc, checks, auth, checksIndex(dc, [...dc.checks.values()]));
}
