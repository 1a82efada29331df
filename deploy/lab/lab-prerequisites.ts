/**
 * Whether this machine can run the lab: root, `ip netns`, BIRD, ExaBGP and curl. Returns
 * the reason it cannot (for a skip message), or undefined when it can.
 */
import { spawnSync } from "node:child_process";

const TOOLS = [
  ["bird", "apt-get install -y bird2"],
  ["birdc", "apt-get install -y bird2"],
  ["exabgp", "apt-get install -y exabgp"],
  ["curl", "apt-get install -y curl"],
] as const;

/** Whether `tool` is on the PATH. */
export const onPath = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;

export function labUnavailable(): string | undefined {
  if (process.platform !== "linux") return "the anycast lab needs Linux network namespaces";
  if (process.getuid?.() !== 0) return "the anycast lab needs root (ip netns, veth, BIRD)";
  const netns = spawnSync("ip", ["netns", "list"], { encoding: "utf8" });
  if (netns.status !== 0)
    return `the anycast lab needs \`ip netns\`: ${netns.stderr || netns.error?.message}`;
  for (const [tool, install] of TOOLS)
    if (!onPath(tool)) return `the anycast lab needs ${tool} (${install})`;
  return undefined;
}
