/**
 * Where a Node process spends its CPU: V8 CPU profiles (`node --cpu-prof`, written when the
 * process exits) summed by self time per function and per category (our code, undici,
 * opossum, prom-client, pino, GeoIP, Node's http/net/streams, GC, native), plus the inclusive
 * time of our own functions (what each costs with everything it calls). Only the main
 * thread is sampled: GC helper threads and libuv's pool are not in it, so the total is
 * below the CPU time /proc reports.
 * With --callers TEXT: the call stacks (innermost first) that lead to the functions whose
 * name or location contains TEXT, by self time: who pays for a hot native function or GC.
 * Usage: node gateway/bench/cpu-profile.ts FILE_OR_DIR... [--top N] [--requests N]
 *          [--callers TEXT [--depth N]]
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  /** µs between samples. */
  readonly timeDeltas: readonly number[];
}

export interface Entry {
  readonly name: string;
  readonly category: string;
  readonly ms: number;
}

export interface ProfileSummary {
  readonly files: number;
  /** Sampled time not idle, ms. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly categories: readonly Entry[];
  /** Self time per function, largest first. */
  readonly functions: readonly Entry[];
  /** Inclusive time of our own functions, largest first. */
  readonly ours: readonly Entry[];
}

const REPO = resolve(import.meta.dirname, "../..");

const PACKAGES: readonly [RegExp, string][] = [
  [/\/node_modules\/undici\//, "undici"],
  [/\/node_modules\/opossum\//, "opossum"],
  [/\/node_modules\/(prom-client|tdigest|bintrees)\//, "prom-client"],
  [
    /\/node_modules\/(pino[^/]*|@pinojs\/[^/]+|sonic-boom|fast-redact|quick-format-unescaped|safe-stable-stringify|thread-stream|on-exit-leak-free|atomic-sleep|real-require)\//,
    "pino",
  ],
  [/\/node_modules\/(@maxmind\/[^/]+|mmdb-lib|maxmind)\//, "GeoIP (maxmind, mmdb-lib)"],
  [/\/node_modules\/hdr-histogram-js\//, "hdr-histogram-js"],
];

/** The category of a function by where it is defined. */
export function categoryOf(url: string, functionName: string): string {
  if (url === "") {
    if (functionName === "(garbage collector)") return "GC (main thread)";
    if (functionName === "(program)") return "(program): V8/native, no JS frame";
    if (functionName === "(idle)") return "(idle)";
    return "native (C++ bindings)";
  }
  for (const [pattern, name] of PACKAGES) if (pattern.test(url)) return name;
  const other = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (other) return `package ${other[1]}`;
  if (url.startsWith("node:")) return nodeCategory(url);
  if (url.includes("/routing-tables/") || url.includes("/gateway/")) return "ours";
  return "other";
}

function nodeCategory(url: string): string {
  if (/_http_|node:http|internal\/http/.test(url)) return "node: http";
  if (/internal\/streams|node:stream/.test(url)) return "node: streams";
  if (/node:net|stream_base_commons|internal\/net/.test(url)) return "node: net";
  if (/timers|task_queues|async_hooks|promise/.test(url)) return "node: timers, ticks, promises";
  if (/events/.test(url)) return "node: events";
  return "node: other";
}

/** `gateway/forward/proxy.ts:88`, `undici/lib/dispatcher/client-h1.js:600`, `node:_http_server:1`. */
function where(url: string, line: number): string {
  if (url === "") return "";
  let path = url.replace(/^file:\/\//, "");
  const inModules = path.lastIndexOf("/node_modules/");
  if (inModules >= 0) path = path.slice(inModules + "/node_modules/".length);
  else if (path.startsWith(`${REPO}/`)) path = path.slice(REPO.length + 1);
  return `${path}:${line + 1}`;
}

interface Frame {
  readonly name: string;
  readonly category: string;
}

/** Calls `visit` with each sample's duration and its stack, innermost frame first. */
function forEachSample(
  files: readonly string[],
  visit: (ms: number, stack: () => Frame[], leaf: Frame) => void,
): void {
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
    const frames = new Map(profile.nodes.map((n) => [n.id, frameOf(n)]));
    const parent = new Map<number, number>();
    for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
    profile.samples.forEach((id, i) => {
      const leaf = frames.get(id);
      if (!leaf) return;
      const stack = () => {
        const list: Frame[] = [];
        for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
          const frame = frames.get(at);
          if (frame && frame.name !== "(root)") list.push(frame);
        }
        return [leaf, ...list];
      };
      // A sample stands for the time until the next one.
      visit((profile.timeDeltas[i + 1] ?? 0) / 1_000, stack, leaf);
    });
  }
}

function frameOf(n: ProfileNode): Frame {
  const { functionName, url, lineNumber } = n.callFrame;
  const name = `${functionName || "(anonymous)"} ${where(url, lineNumber)}`.trim();
  return { name, category: categoryOf(url, functionName) };
}

export function summariseProfiles(files: readonly string[], top = 30): ProfileSummary {
  const self = new Map<string, Entry>();
  const inclusive = new Map<string, Entry>();
  let idleMs = 0;
  let busyMs = 0;
  forEachSample(files, (ms, stack, { name, category }) => {
    if (category === "(idle)") {
      idleMs += ms;
      return;
    }
    busyMs += ms;
    add(self, name, category, ms);
    const seen = new Set<string>();
    for (const frame of stack()) {
      if (frame.category !== "ours" || seen.has(frame.name)) continue;
      seen.add(frame.name);
      add(inclusive, frame.name, frame.category, ms);
    }
  });
  const categories = new Map<string, Entry>();
  for (const entry of self.values()) add(categories, entry.category, entry.category, entry.ms);
  return {
    files: files.length,
    busyMs,
    idleMs,
    categories: largest(categories),
    functions: largest(self).slice(0, top),
    ours: largest(inclusive).slice(0, top),
  };
}

/** Self time of the functions matching `text`, by their `depth` innermost callers. */
export function callers(files: readonly string[], text: string, depth = 8, top = 10): Entry[] {
  const stacks = new Map<string, Entry>();
  forEachSample(files, (ms, stack, leaf) => {
    if (!leaf.name.includes(text)) return;
    const path = stack()
      .slice(0, depth + 1)
      .map((f) => f.name)
      .join("\n      ← ");
    add(stacks, path, leaf.category, ms);
  });
  return largest(stacks).slice(0, top);
}

function largest(map: Map<string, Entry>): Entry[] {
  return [...map.values()].sort((a, b) => b.ms - a.ms);
}

function add(map: Map<string, Entry>, name: string, category: string, ms: number): void {
  const entry = map.get(name);
  map.set(name, { name, category, ms: (entry?.ms ?? 0) + ms });
}

/** Every .cpuprofile in the paths (folders are searched one level deep). */
export function profileFiles(paths: readonly string[]): string[] {
  return paths.flatMap((path) =>
    statSync(path).isDirectory()
      ? readdirSync(path)
          .filter((name) => name.endsWith(".cpuprofile"))
          .map((name) => join(path, name))
      : [path],
  );
}

export function formatProfile(summary: ProfileSummary, requests?: number): string {
  const perRequest = (ms: number) =>
    requests ? `${((ms * 1_000) / requests).toFixed(2).padStart(7)} µs/req` : "";
  const share = (ms: number) => `${((100 * ms) / summary.busyMs).toFixed(1).padStart(5)}%`;
  const line = (e: Entry, width: number) =>
    `  ${share(e.ms)} ${e.ms.toFixed(0).padStart(7)} ms ${perRequest(e.ms)}  ${e.name.padEnd(width)}${e.name === e.category ? "" : `  [${e.category}]`}`;
  const requestNote = requests ? `, ${requests.toLocaleString("en")} requests served` : "";
  return [
    `${summary.files} profile(s), ${summary.busyMs.toFixed(0)} ms busy on the main thread (${summary.idleMs.toFixed(0)} ms idle)${requestNote}`,
    "self time by category:",
    ...summary.categories.map((e) => line(e, 0)),
    "top functions by self time:",
    ...summary.functions.map((e) => line(e, 60)),
    "our functions by inclusive time (with all they call):",
    ...summary.ours.map((e) => line(e, 60)),
  ].join("\n");
}

/**
 * Self time per request by category, side by side: what the gateway spends beyond the bare
 * pass-through, category by category (main thread only).
 */
export function formatProfileDiff(
  a: { readonly label: string; readonly summary: ProfileSummary; readonly requests: number },
  b: { readonly label: string; readonly summary: ProfileSummary; readonly requests: number },
): string {
  const names = [...new Set([...a.summary.categories, ...b.summary.categories].map((e) => e.name))];
  const perRequest = (side: typeof a, name: string) =>
    ((side.summary.categories.find((e) => e.name === name)?.ms ?? 0) * 1_000) / side.requests;
  const rows = names
    .map((name) => ({ name, a: perRequest(a, name), b: perRequest(b, name) }))
    .sort((x, y) => y.a - y.b - (x.a - x.b));
  const cell = (n: number) => n.toFixed(1).padStart(9);
  const total = (side: typeof a) => (side.summary.busyMs * 1_000) / side.requests;
  return [
    `${"µs/req of main-thread self time".padEnd(36)} ${a.label.padStart(9)} ${b.label.padStart(9)} ${"extra".padStart(9)}`,
    ...rows
      .filter((r) => Math.abs(r.a - r.b) >= 0.05 || r.a >= 0.05)
      .map((r) => `${r.name.padEnd(36)} ${cell(r.a)} ${cell(r.b)} ${cell(r.a - r.b)}`),
    `${"total".padEnd(36)} ${cell(total(a))} ${cell(total(b))} ${cell(total(a) - total(b))}`,
  ].join("\n");
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: "string", default: "30" },
      requests: { type: "string" },
      callers: { type: "string" },
      depth: { type: "string", default: "8" },
    },
  });
  const files = profileFiles(positionals);
  if (files.length === 0) {
    console.error("usage: cpu-profile.ts FILE_OR_DIR... [--top N] [--requests N]");
    process.exit(2);
  }
  const requests = values.requests === undefined ? undefined : Number(values.requests);
  if (values.callers === undefined) {
    console.log(formatProfile(summariseProfiles(files, Number(values.top)), requests));
  } else {
    for (const entry of callers(files, values.callers, Number(values.depth), Number(values.top))) {
      const perRequest = requests ? ` ${((entry.ms * 1_000) / requests).toFixed(2)} µs/req` : "";
      console.log(`${entry.ms.toFixed(0)} ms${perRequest}\n      ${entry.name}`);
    }
  }
}
