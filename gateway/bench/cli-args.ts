/**
 * A bench's command line: `--help` prints its usage and exits 0; an unknown, malformed or
 * out-of-range option prints what is wrong and the usage on stderr and exits 2 — one line,
 * never a stack trace.
 */

/** Runs `parse` on the arguments (node:util's parseArgs, then checks of one's own). */
export function benchArgs<R>(name: string, usage: string, parse: (args: string[]) => R): R {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  try {
    return parse(args);
  } catch (error) {
    process.stderr.write(`${name}: ${(error as Error).message}\n${usage}\n`);
    process.exit(2);
  }
}

/** A whole number within [min, max], or an error naming the flag. */
export function wholeArg(text: string, flag: string, min: number, max: number): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max)
    throw new Error(`--${flag} takes a whole number from ${min} to ${max}, not ${text}`);
  return n;
}
