/**
 * The `places` mix: a JSON list of places, in the shape of the demo world's clients.json
 * (`city`, `country`, `subdivision.iso`, `continent`, `latitude`, `longitude`); each place is
 * a client group sending PLACE_RPS requests/s (scale with --total-rps). Read whole: the file
 * is bounded by the caller's size check.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { MixRow } from "../../routing-tables/simulate.ts";
import { type RowContext, type RowField, toMixRow } from "./mix-row.ts";

/** Requests/s of one place when no total is given. */
export const PLACE_RPS = 100;

const placeSchema = z.object({
  city: z.string().max(80).optional(),
  id: z.string().max(80).optional(),
  country: z.string().max(8).optional(),
  subdivision: z.object({ iso: z.string().max(8) }).optional(),
  continent: z.string().max(8).optional(),
  latitude: z.number().optional(),
  longitude: z.number().optional(),
});

/** [entry number (1-based), the row or why it is refused] for every place. */
export function readPlaces(
  file: string,
  context: RowContext,
  maxBytes: number,
): [number, MixRow | string][] {
  const text = readFileSync(file, "utf8");
  if (text.length > maxBytes) throw new Error(`more than ${maxBytes} bytes`);
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list)) throw new Error("expected a JSON list of places");
  return list.map((entry, i): [number, MixRow | string] => {
    const place = placeSchema.safeParse(entry);
    if (!place.success) return [i + 1, place.error.issues[0]?.message ?? "not a place"];
    const { city, id, country, subdivision, continent, latitude, longitude } = place.data;
    const fields: Partial<Record<RowField, unknown>> = {
      label: city ?? id,
      country,
      region: country && subdivision ? `${country}-${subdivision.iso}` : undefined,
      continent,
      latitude,
      longitude,
      rps: PLACE_RPS,
    };
    return [i + 1, toMixRow((f) => fields[f], context)];
  });
}
