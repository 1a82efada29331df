/**
 * One traffic-mix row from its fields, as a CSV line, an NDJSON object or the admin API gives
 * them: checked field by field (every input is hostile: sizes, ranges, codes), the client
 * located, the rate read. A string back is the reason the row is refused.
 *
 * Fields (all optional): ip | country, region, continent, latitude, longitude (explicit fields
 * win over what GeoIP says of the ip); host (default: the policy's first host); path (default
 * /); rps or weight (one of them; default 1); ingress (a site id); label (the row's group).
 */
import { isIP } from "node:net";
import type { ClientLocation } from "../../routing-tables/client.ts";
import { CONTINENT_CODES, isCountryCode } from "../../routing-tables/countries.ts";
import type { MixRow } from "../../routing-tables/simulate.ts";

export const ROW_FIELDS = [
  "ip",
  "country",
  "region",
  "continent",
  "latitude",
  "longitude",
  "host",
  "path",
  "rps",
  "weight",
  "ingress",
  "label",
] as const;
export type RowField = (typeof ROW_FIELDS)[number];

export interface RowContext {
  /** GeoIP; throws for text that is not an IP address. */
  readonly locate: (address: string) => ClientLocation;
  readonly defaultHost: string;
  readonly siteIds: ReadonlySet<string>;
}

/** A field's value: a CSV cell (string; "" is absent) or a JSON value. */
export type FieldValue = unknown;

const MAX_HOST = 255;
const MAX_PATH = 8192;
const MAX_LABEL = 80;
const REGION = /^[A-Z]{2}-[A-Z0-9]{1,3}$/;
const CONTINENTS: ReadonlySet<string> = new Set(CONTINENT_CODES);
const UNKNOWN_GROUP = "unknown location";

const absent = (value: FieldValue) => value === undefined || value === null || value === "";

function text(value: FieldValue, name: string, max: number): string | undefined | Error {
  if (absent(value)) return undefined;
  if (typeof value !== "string") return new Error(`${name}: expected text`);
  if (value.length > max) return new Error(`${name}: longer than ${max} characters`);
  return value;
}

function number(
  value: FieldValue,
  name: string,
  min: number,
  max: number,
): number | undefined | Error {
  if (absent(value)) return undefined;
  const n = typeof value === "string" ? Number(value.trim()) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || n < min || n > max)
    return new Error(`${name}: expected a number from ${min} to ${max}`);
  return n;
}

function code(
  value: FieldValue,
  name: string,
  valid: (v: string) => boolean,
): string | undefined | Error {
  const t = text(value, name, 8);
  if (t instanceof Error || t === undefined) return t;
  return valid(t) ? t : new Error(`${name}: "${t}" is not a valid code`);
}

/** The location fields the row gives itself, or undefined when it gives none. */
function explicitLocation(
  get: (f: RowField) => FieldValue,
): Partial<ClientLocation> | undefined | Error {
  const country = code(get("country"), "country", isCountryCode);
  const region = code(
    get("region"),
    "region",
    (v) => REGION.test(v) && isCountryCode(v.slice(0, 2)),
  );
  const continent = code(get("continent"), "continent", (v) => CONTINENTS.has(v));
  const latitude = number(get("latitude"), "latitude", -90, 90);
  const longitude = number(get("longitude"), "longitude", -180, 180);
  for (const v of [country, region, continent, latitude, longitude])
    if (v instanceof Error) return v;
  if ((latitude === undefined) !== (longitude === undefined))
    return new Error("latitude and longitude: give both or neither");
  const fields = { country, region, continent, latitude, longitude };
  const given = Object.entries(fields).filter(([, value]) => value !== undefined);
  return given.length > 0 ? Object.fromEntries(given) : undefined;
}

const UNKNOWN: ClientLocation = Object.freeze({});

/**
 * Where the row's client is: GeoIP of its ip, overlaid with its explicit fields. Without
 * explicit fields the GeoIP answer itself comes back, so rows of one network share one
 * location object (simulate memoises the ingress by it).
 */
function locationOf(get: (f: RowField) => FieldValue, context: RowContext): ClientLocation | Error {
  const ip = text(get("ip"), "ip", 64);
  if (ip instanceof Error) return ip;
  if (ip !== undefined && isIP(ip) === 0)
    return new Error(`ip: not an IP address: ${ip.slice(0, 64)}`);
  const explicit = explicitLocation(get);
  if (explicit instanceof Error) return explicit;
  let located = UNKNOWN;
  try {
    if (ip !== undefined) located = context.locate(ip);
  } catch (error) {
    return new Error(`ip: ${(error as Error).message}`);
  }
  return explicit ? Object.freeze({ ...located, ...explicit }) : located;
}

function rateOf(get: (f: RowField) => FieldValue): number | Error {
  const rps = number(get("rps"), "rps", 0, 1e9);
  const weight = number(get("weight"), "weight", 0, 1e9);
  if (rps instanceof Error) return rps;
  if (weight instanceof Error) return weight;
  if (rps !== undefined && weight !== undefined) return new Error("rps and weight: give one");
  return rps ?? weight ?? 1;
}

interface TextFields {
  readonly host: string | undefined;
  readonly path: string | undefined;
  readonly ingress: string | undefined;
  readonly label: string | undefined;
}

function textFields(get: (f: RowField) => FieldValue, context: RowContext): TextFields | Error {
  const host = text(get("host"), "host", MAX_HOST);
  const path = text(get("path"), "path", MAX_PATH);
  const ingress = text(get("ingress"), "ingress", 32);
  const label = text(get("label"), "label", MAX_LABEL);
  if (host instanceof Error) return host;
  if (path instanceof Error) return path;
  if (ingress instanceof Error) return ingress;
  if (label instanceof Error) return label;
  if (path !== undefined && !path.startsWith("/")) return new Error("path: must start with /");
  if (ingress !== undefined && !context.siteIds.has(ingress))
    return new Error(`ingress: no site "${ingress}"`);
  return { host, path, ingress, label };
}

export function toMixRow(get: (f: RowField) => FieldValue, context: RowContext): MixRow | string {
  const client = locationOf(get, context);
  if (client instanceof Error) return client.message;
  const rps = rateOf(get);
  if (rps instanceof Error) return rps.message;
  const fields = textFields(get, context);
  if (fields instanceof Error) return fields.message;
  const { host, path, ingress, label } = fields;
  return {
    group: label ?? client.region ?? client.country ?? client.continent ?? UNKNOWN_GROUP,
    client,
    host: host ?? context.defaultHost,
    path: path ?? "/",
    rps,
    ...(ingress !== undefined && { ingress }),
  };
}
