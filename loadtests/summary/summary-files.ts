/**
 * Where a k6 run's `handleSummary` writes its files. k6 resolves the names against the
 * directory it runs in and creates no missing folder (a missing one fails the write), so the
 * default is a folder the repository carries itself (`loadtests/out/k6/.gitkeep`): `k6 run`
 * from the repository root works on a fresh clone. Plain data; k6 and Node both import it.
 */

/** The default `SUMMARY_DIR`, relative to the repository root. */
export const K6_SUMMARY_DIR = "loadtests/out/k6";

/**
 * The files of one workload's summary: `<dir>/<workload>-summary.json` and `.txt`; an empty
 * `dir` is the folder k6 runs in.
 */
export function summaryFiles(dir: string, workload: string): { json: string; text: string } {
  const folder = dir === "" ? "./" : dir.endsWith("/") ? dir : `${dir}/`;
  return { json: `${folder}${workload}-summary.json`, text: `${folder}${workload}-summary.txt` };
}
