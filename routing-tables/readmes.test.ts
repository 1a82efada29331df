/**
 * The repository's documentation rules, enforced beside the dependency rule: the root README
 * stays a page a newcomer reads (at most 10 KB, the two commands), every folder of gateway/
 * with code has a README, and every file path or relative link a Markdown file names exists,
 * so a moved or renamed file cannot leave a stale pointer behind.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { test } from "node:test";

const ROOT = join(import.meta.dirname, "..");
/** Not the repository's own text: packages, git, and what runs write (git-ignored outputs). */
const SKIP = new Set(["node_modules", ".git", "out", ".bench", "tmp"]);
/** The root README's budget, bytes (the "≤ 10 KB"). */
const ROOT_README_MAX_BYTES = 10 * 1024;

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, out);
    else out.push(path);
  }
  return out;
}

const markdownFiles = () => walk(ROOT).filter((f) => f.endsWith(".md"));

/** A code span that names a repository path: a file with an extension, or a folder ending in "/". */
const PATH_SPAN =
  /`((?:\.\.?\/)?(?:[A-Za-z0-9_.-]+\/)+(?:[A-Za-z0-9_.-]+\.(?:ts|md|yaml|tmpl|json|conf|sh|service|mmdb|pl|env))?)`/g;
const LINK = /\]\(([^)\s#]+)(?:#[^)]*)?\)/g;

/** The repository paths a Markdown text names: code spans that look like paths, and relative links. */
export function namedPaths(text: string): { spans: string[]; links: string[] } {
  const spans = [...text.matchAll(PATH_SPAN)].map((m) => m[1] ?? "");
  const links = [...text.matchAll(LINK)]
    .map((m) => m[1] ?? "")
    .filter((target) => !/^[a-z]+:/i.test(target));
  return { spans, links };
}

/** A span resolves from its file's folder or any folder above it, up to the root. */
function resolves(file: string, path: string): boolean {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, path))) return true;
    if (dir === ROOT || dir === dirname(dir)) return false;
  }
}

/** Outputs that runs write (git-ignored): named in the docs, absent from a fresh clone. */
const isOutput = (path: string) => /(^|\/)out\//.test(path);

/**
 * A span that climbs out of the repository from its file (`../shared/` in the root README:
 * the design and test data kept beside a checkout) names no repository path: a fresh clone
 * elsewhere has nothing there, and must pass.
 */
const leavesRepository = (file: string, path: string) =>
  relative(ROOT, join(dirname(file), path)).startsWith("..");

test("the root README stays a newcomer's page: at most 10 KB, with the two commands", () => {
  const readme = readFileSync(join(ROOT, "README.md"));
  assert.ok(readme.length <= ROOT_README_MAX_BYTES, `${readme.length} bytes`);
  const text = readme.toString("utf8");
  assert.ok(text.includes("npm install && npm start"));
  assert.match(text, /^npm test$/m);
});

test("every folder of gateway/ that holds code has a README", () => {
  const folders = new Set(
    walk(join(ROOT, "gateway"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => dirname(f)),
  );
  const missing = [...folders]
    .filter((dir) => !existsSync(join(dir, "README.md")))
    .map((dir) => relative(ROOT, dir));
  assert.deepEqual(missing, []);
});

test("every repository path and relative link in the Markdown files exists", () => {
  const stale: string[] = [];
  for (const file of markdownFiles()) {
    const { spans, links } = namedPaths(readFileSync(file, "utf8"));
    for (const span of spans)
      if (!isOutput(span) && !leavesRepository(file, span) && !resolves(file, span))
        stale.push(`${relative(ROOT, file)}: ${span}`);
    for (const link of links)
      if (!existsSync(join(dirname(file), link)))
        stale.push(`${relative(ROOT, file)}: link ${link}`);
  }
  assert.deepEqual(stale, []);
});

test("the path finder sees paths and relative links, and leaves URLs, API paths and placeholders alone (so the test above can fail)", () => {
  const text = [
    "See `gateway/runtime/passive-health.ts` and `health/`, [the lab](deploy/README.md#lab).",
    "Not paths: `/v1/health/service/<service>`, `npm run docs`, `a/b`, [site](https://example.net/x.md).",
  ].join("\n");
  assert.deepEqual(namedPaths(text), {
    spans: ["gateway/runtime/passive-health.ts", "health/"],
    links: ["deploy/README.md"],
  });
  assert.equal(
    resolves(join(ROOT, "health", "README.md"), "gateway/runtime/passive-health.ts"),
    false,
  );
  assert.equal(leavesRepository(join(ROOT, "README.md"), "../shared/"), true);
  assert.equal(leavesRepository(join(ROOT, "health", "README.md"), "../gateway/"), false);
  assert.ok(statSync(join(ROOT, "health")).isDirectory());
  assert.equal(resolves(join(ROOT, "health", "README.md"), "health/"), true);
});
