/**
 * The clients of the reference world: one sample address per place of the demo GeoIP database
 * (gateway/demo/geoip/README.md), all in documentation ranges (RFC 5737). A load
 * generator that is a trusted proxy of the target names the client with X-Forwarded-For, and
 * the target locates it by GeoIP like a real client.
 *
 * Plain data: k6 and Node both import this file. `weight` is the client's share of the geo mix
 * (integers; a place with twice the weight sends twice the requests). `nearSite` is the
 * reference site in that city, or null where the nearest site is elsewhere.
 */

export interface Client {
  /** The region tag of every request this client sends. */
  readonly region: string;
  readonly address: string;
  /** MaxMind continent code. */
  readonly continent: "AF" | "AS" | "EU" | "NA" | "OC" | "SA";
  readonly nearSite: string | null;
  readonly weight: number;
}

export const CLIENTS: readonly Client[] = [
  { region: "buenos-aires", address: "198.51.100.1", continent: "SA", nearSite: "bue", weight: 2 },
  { region: "sao-paulo", address: "198.51.100.17", continent: "SA", nearSite: "gru", weight: 3 },
  {
    region: "rio-de-janeiro",
    address: "198.51.100.33",
    continent: "SA",
    nearSite: "gig",
    weight: 2,
  },
  { region: "quito", address: "198.51.100.49", continent: "SA", nearSite: "uio", weight: 1 },
  { region: "miami", address: "198.51.100.65", continent: "NA", nearSite: "mia", weight: 2 },
  { region: "seattle", address: "198.51.100.81", continent: "NA", nearSite: "sea", weight: 2 },
  { region: "london", address: "198.51.100.97", continent: "EU", nearSite: "lhr", weight: 3 },
  { region: "paris", address: "198.51.100.113", continent: "EU", nearSite: "cdg", weight: 3 },
  { region: "stockholm", address: "198.51.100.129", continent: "EU", nearSite: "arn", weight: 1 },
  {
    region: "dar-es-salaam",
    address: "198.51.100.145",
    continent: "AF",
    nearSite: "dar",
    weight: 2,
  },
  { region: "zanzibar", address: "198.51.100.161", continent: "AF", nearSite: "znz", weight: 1 },
  { region: "tokyo", address: "198.51.100.177", continent: "AS", nearSite: "nrt", weight: 3 },
  { region: "singapore", address: "198.51.100.193", continent: "AS", nearSite: "sin", weight: 2 },
  { region: "frankfurt", address: "198.51.100.209", continent: "EU", nearSite: "fra", weight: 3 },
  { region: "ashburn", address: "198.51.100.225", continent: "NA", nearSite: "iad", weight: 2 },
  { region: "dubai", address: "198.51.100.241", continent: "AS", nearSite: "dxb", weight: 2 },
  { region: "nairobi", address: "203.0.113.1", continent: "AF", nearSite: null, weight: 1 },
  { region: "lima", address: "203.0.113.17", continent: "SA", nearSite: null, weight: 1 },
  { region: "johannesburg", address: "203.0.113.33", continent: "AF", nearSite: null, weight: 1 },
  { region: "mumbai", address: "203.0.113.49", continent: "AS", nearSite: null, weight: 1 },
  { region: "sydney", address: "203.0.113.65", continent: "OC", nearSite: null, weight: 1 },
  { region: "berlin", address: "203.0.113.81", continent: "EU", nearSite: null, weight: 1 },
  { region: "mexico-city", address: "203.0.113.97", continent: "NA", nearSite: null, weight: 1 },
];

/** The reference world's sites (routing-tables/reference-world/catalogue.yaml): 13 edges, 3 hubs. */
export const SITES: readonly string[] = [
  "bue",
  "gru",
  "gig",
  "uio",
  "mia",
  "sea",
  "lhr",
  "cdg",
  "arn",
  "dar",
  "znz",
  "nrt",
  "sin",
  "fra",
  "iad",
  "dxb",
];
