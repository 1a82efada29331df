/**
 * ISO 3166-1 alpha-2 country codes, from the countries-list package, and the continent
 * codes MaxMind uses (AF AN AS EU NA OC SA).
 */
import { countries } from "countries-list";

export const CONTINENT_CODES = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"] as const;

const countryCodes: ReadonlySet<string> = new Set(Object.keys(countries));

export function isCountryCode(code: string): boolean {
  return countryCodes.has(code);
}
