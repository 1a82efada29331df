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

/** Exit codes: 0 fine, 1 the input is invalid, 2 the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

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
