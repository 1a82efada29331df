/**
 * A bounded list of config errors. Input can carry any number of errors (a generated file, a
 * hostile one: a 1 MiB file can hold 300,000 YAML errors), but an answer lists the first
 * `max` in file, line, column, path order, then one entry saying how many more were found,
 * as compilers stop after their first hundred errors. At no time does the list hold more than
 * 2 × `max` errors: when it reaches that it sorts and keeps the first `max`, so memory is
 * bounded and the work is O(n log max) for n errors added.
 */
import { type ConfigError, sortConfigErrors } from "./config-error.ts";

/** How many errors an answer lists, before the one entry that counts the rest. */
export const MAX_LISTED_ERRORS = 100;

export interface ErrorList {
  add(error: ConfigError): void;
  /** Every error added so far, listed or not. */
  count(): number;
  /** The first `max` errors in order; then, when more were found, one entry (with `more`) counting them. */
  list(): ConfigError[];
}

export function errorList(max = MAX_LISTED_ERRORS): ErrorList {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`max must be ≥ 1, not ${max}`);
  let kept: ConfigError[] = [];
  let count = 0;
  /** Files of the errors cut so far: at most one per input file. */
  const cutFiles = new Set<string>();
  const cut = () => {
    kept = sortConfigErrors(kept);
    for (let i = max; i < kept.length; i++) cutFiles.add(kept[i]?.file ?? "");
    kept.length = Math.min(kept.length, max);
  };
  return {
    add(error) {
      count++;
      kept.push(error);
      if (kept.length >= 2 * max) cut();
    },
    count: () => count,
    list() {
      cut();
      const more = count - kept.length;
      return more === 0 ? [...kept] : [...kept, moreErrors(more, max, [...cutFiles].sort())];
    },
  };
}

function moreErrors(more: number, max: number, files: readonly string[]): ConfigError {
  const shown = files.length <= 3 ? files.join(", ") : `${files.slice(0, 3).join(", ")}, …`;
  return {
    file: shown,
    line: 0,
    column: 0,
    path: "",
    message: `${more} more error${more === 1 ? "" : "s"} not listed (only the first ${max} are)`,
    more,
  };
}

/** How many errors a list stands for: its entries, the counted-not-listed included. */
export function errorTotal(errors: readonly ConfigError[]): number {
  const last = errors.at(-1);
  return last?.more === undefined ? errors.length : errors.length - 1 + last.more;
}
