/**
 * What an agent says of itself and its cluster (api-docs/agent "Read Configuration", "List
 * Members"; api-docs/status): enough for a deploy check to find the datacenter, the node name
 * and the servers. Each datacenter has one server, `127.0.0.1:8300` in the double's world.
 */
import type { Runtime } from "./runtime.ts";
import type { DatacenterState } from "./state.ts";

/** The one server of a datacenter, as `status/leader` and `status/peers` name it. */
export const serverAddress = (_dc: DatacenterState): string => "127.0.0.1:8300";

/** Serf's member status code: 1 alive (agent/agent.go's serf.MemberStatus). */
const ALIVE = 1;

export function agentSelf(rt: Runtime) {
  const { node } = rt.agent;
  return {
    Config: {
      Datacenter: rt.defaultDc.name,
      NodeName: node.Node,
      Server: false,
      Version: "1.21.0-double",
    },
    Member: member(node.Node, node.Address, rt.defaultDc.name, "client"),
  };
}

/** LAN members: this datacenter's agents; `?wan`: one server per datacenter that is up. */
export function agentMembers(rt: Runtime, wan: boolean) {
  if (!wan) {
    const { node } = rt.agent;
    return [member(node.Node, node.Address, rt.defaultDc.name, "client")];
  }
  return [...rt.dcs.keys()]
    .filter((dc) => !rt.down.has(dc))
    .map((dc) => member(`server-${dc}.${dc}`, "127.0.0.1", dc, "consul"));
}

function member(name: string, address: string, dc: string, role: string) {
  return { Name: name, Addr: address, Port: 8301, Tags: { dc, role }, Status: ALIVE };
}
