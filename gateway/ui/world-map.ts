/**
 * The ops view's map, drawn on the gateway from offline data: Natural Earth's land at 1:110m
 * (the `world-atlas` package, a TopoJSON file in node_modules, about 55 KB) turned into an SVG
 * path with `topojson-client` and `d3-geo`. Nothing is loaded from outside at run time, and the
 * browser gets a path and each site's x/y (ops-view.ts) from the same projection, so it needs
 * no geometry library of its own.
 *
 * Projection: Natural Earth 1 (a compromise projection: the whole world readable at once, no
 * polar blow-up), fitted to `WIDTH` × `HEIGHT` px with a margin. Coordinates are rounded to
 * 0.1 px (`digits(1)`), which keeps the land path near 57 KB.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { geoNaturalEarth1, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import type { Projection } from "./ops-view.ts";

export const MAP_WIDTH = 960;
export const MAP_HEIGHT = 500;
const MARGIN = 8;

export interface WorldMap {
  readonly width: number;
  readonly height: number;
  /** The land as one SVG path (`d`). */
  readonly land: string;
  /** The outline of the globe in this projection (the sea). */
  readonly outline: string;
  readonly project: Projection;
}

/** The land file the package ships (a production install has it: a runtime dependency). */
export function landFile(): string {
  return createRequire(import.meta.url).resolve("world-atlas/land-110m.json");
}

/** Reads the topology and projects it; about 30 ms, so callers do it once, on first use. */
export function worldMap(file: string = landFile()): WorldMap {
  const topology = JSON.parse(readFileSync(file, "utf8")) as Topology<{
    land: GeometryCollection;
  }>;
  const land = feature(topology, topology.objects.land);
  const sphere = { type: "Sphere" } as const;
  const projection = geoNaturalEarth1().fitExtent(
    [
      [MARGIN, MARGIN],
      [MAP_WIDTH - MARGIN, MAP_HEIGHT - MARGIN],
    ],
    sphere,
  );
  const path = geoPath(projection).digits(1);
  return {
    width: MAP_WIDTH,
    height: MAP_HEIGHT,
    land: path(land) ?? "",
    outline: path(sphere) ?? "",
    project: (longitude, latitude) => {
      const point = projection([longitude, latitude]);
      return point && Number.isFinite(point[0]) && Number.isFinite(point[1]) ? point : null;
    },
  };
}
