/**
 * One JSON document kept in the gateway's state directory across restarts (the last ops
 * overrides, the fleet sites). Written atomically — a temporary file in the same folder,
 * fsync'd, renamed over the old one, the folder fsync'd — so a crash or a power cut leaves
 * the old document or the new one, never half of either. Read once at start: a document that
 * is missing is "nothing kept"; one that cannot be read or does not validate is moved aside
 * (`<name>.corrupt-<ms>`) and reported, never silently taken as empty.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { z } from "zod";

/** A state document larger than this is not read (nothing the gateway writes comes near). */
export const MAX_STATE_BYTES = 4 * 1024 * 1024;

export type StateRead<T> =
  | { readonly kind: "missing" }
  | { readonly kind: "read"; readonly value: T }
  | { readonly kind: "corrupt"; readonly error: string; readonly movedTo: string | undefined };

export interface StateFile<T> {
  readonly path: string;
  read(): StateRead<T>;
  /** Writes atomically; throws when it cannot (the caller logs and counts it). */
  write(value: T): void;
}

export function stateFile<S extends z.ZodType>(
  directory: string,
  name: string,
  schema: S,
  now: () => number = Date.now,
): StateFile<z.output<S>> {
  const path = join(directory, name);
  return {
    path,
    read: () => readState(path, schema, now),
    write: (value) => writeAtomically(directory, path, `${JSON.stringify(value, null, 2)}\n`),
  };
}

function readState<S extends z.ZodType>(
  path: string,
  schema: S,
  now: () => number,
): StateRead<z.output<S>> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return { kind: "missing" };
    return { kind: "corrupt", error: (error as Error).message, movedTo: undefined };
  }
  const problem =
    text.length > MAX_STATE_BYTES
      ? `larger than ${MAX_STATE_BYTES} bytes`
      : parseProblem(text, schema);
  if (typeof problem !== "string") return { kind: "read", value: problem.value };
  const movedTo = `${path}.corrupt-${now()}`;
  try {
    renameSync(path, movedTo);
    return { kind: "corrupt", error: problem, movedTo };
  } catch {
    return { kind: "corrupt", error: problem, movedTo: undefined };
  }
}

function parseProblem<S extends z.ZodType>(
  text: string,
  schema: S,
): string | { value: z.output<S> } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  const result = schema.safeParse(data);
  if (!result.success)
    return `not a state document: ${result.error.issues[0]?.message ?? "invalid"}`;
  return { value: result.data };
}

function writeAtomically(directory: string, path: string, text: string): void {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  const fd = openSync(temporary, "w", 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, path);
  const folder = openSync(directory, "r");
  try {
    fsyncSync(folder);
  } finally {
    closeSync(folder);
  }
}
