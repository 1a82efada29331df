import { type ConfigError, wholeFileError } from "../../routing-tables/config-error.ts";
import { openClientLocator } from "../client-facts/client-locator.ts";

/**
 * The GeoIP database a boot names, opened and checked as a worker would at start: nothing, or
 * the one error saying why it is refused (`gateway validate --boot`, and `gateway serve`
 * before it forks a worker, so that a bad file is one clear line, not a worker's stack trace).
 */
export function geoipErrors(file: string | undefined): ConfigError[] {
  if (file === undefined) return [];
  try {
    openClientLocator(file);
    return [];
  } catch (error) {
    return [wholeFileError(file, `GeoIP database refused: ${(error as Error).message}`)];
  }
}
