/**
 * ISO 3166-1 alpha-2 country codes and the continent each belongs to, from the
 * countries-list package (the same continent codes MaxMind uses: AF AN AS EU NA OC SA).
 */
import { countries } from "countries-list";

export const CONTINENT_CODES = ["AF", "AN", "AS", "EU", "NA", "OC", "SA"] as const;
export type ContinentCode = (typeof CONTINENT_CODES)[number];

const continentByCountry: ReadonlyMap<string, string> = new Map(
  Object.entries(countries).map(([code, info]) => [code, info.continent]),
);

export function isCountryCode(code: string): boolean {
  return continentByCountry.has(code);
}

export function isContinentCode(code: string): code is ContinentCode {
  return (CONTINENT_CODES as readonly string[]).includes(code);
}

/** The continent of a country, or undefined for an unknown code. */
export function continentOf(country: string): string | undefined {
  return continentByCountry.get(country);
}
