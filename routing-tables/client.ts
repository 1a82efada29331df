/** What the decision knows of the client: where it is, as far as GeoIP could tell. */
export interface ClientLocation {
  /** ISO 3166-1 alpha-2, e.g. "TZ". */
  readonly country?: string;
  /** ISO 3166-2, e.g. "TZ-15". */
  readonly region?: string;
  /** Continent code as MaxMind gives it: AF AN AS EU NA OC SA. */
  readonly continent?: string;
  readonly latitude?: number;
  readonly longitude?: number;
}

export interface ClientMatch {
  readonly clientCountries: readonly string[];
  readonly clientRegions: readonly string[];
  readonly clientContinents: readonly string[];
}

/** How specifically a rule matches a client: 3 region, 2 country, 1 continent, 0 not at all. */
export function matchStrength(rule: ClientMatch, client: ClientLocation): number {
  if (client.region !== undefined && rule.clientRegions.includes(client.region)) return 3;
  if (client.country !== undefined && rule.clientCountries.includes(client.country)) return 2;
  if (client.continent !== undefined && rule.clientContinents.includes(client.continent)) return 1;
  return 0;
}

/** Index of the most specific matching rule (among equals, the first listed), or -1. */
export function mostSpecific(rules: readonly ClientMatch[], client: ClientLocation): number {
  let best = -1;
  let bestStrength = 0;
  for (let i = 0; i < rules.length; i++) {
    const strength = matchStrength(rules[i] as ClientMatch, client);
    if (strength > bestStrength) {
      best = i;
      bestStrength = strength;
    }
  }
  return best;
}
