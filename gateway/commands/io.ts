import { type ParseArgsConfig, parseArgs } from "node:util";

/** Where a command writes; tests pass their own. */
export interface CommandIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/**
 * Exit codes: 0 fine, 1 the input is invalid, 2 the command line is wrong; what-if commands
 * add 3 (diff: traffic moves, as `terraform plan -detailed-exitcode` says 2 for changes, one
 * up since 2 is taken) and 4 (a residency violation: a share sent outside a rule's
 * jurisdictions).
 */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;
export const EXIT_CHANGED = 3;
export const EXIT_VIOLATION = 4;

/**
 * The command line as `node:util` parseArgs reads it, or undefined once the error and the
 * command's usage have been written (the caller exits with EXIT_USAGE).
 */
export function parseCommandArgs<T extends ParseArgsConfig>(
  command: string,
  usage: string,
  config: T,
  io: CommandIo,
): ReturnType<typeof parseArgs<T>> | undefined {
  try {
    return parseArgs(config);
  } catch (error) {
    io.err(`gateway ${command}: ${(error as Error).message}\n${usage}`);
    return undefined;
  }
}

/** A whole-number option within [min, max], or an error naming the option and its range. */
export function wholeOption(
  values: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number {
  const text = String(values[name]);
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max)
    throw new Error(`--${name} takes a whole number from ${min} to ${max}, not "${text}"`);
  return value;
}
