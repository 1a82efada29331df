/**
 * One what-if run: a snapshot per (policy, scenario step), every mix row fed to all of them in
 * a single read of the mix, the figures scaled to requests/s at the end. `simulate` passes one
 * policy, `diff` two; the admin API passes rows it already holds.
 */
import type { CatalogueConfig } from "../../routing-tables/catalogue-schema.ts";
import type { PolicyConfig } from "../../routing-tables/policy-schema.ts";
import {
  createSimulator,
  type MixRow,
  type SimulateOptions,
  type Simulator,
} from "../../routing-tables/simulate.ts";
import type { Simulation } from "../../routing-tables/simulation.ts";
import { applySiteStates } from "../../routing-tables/site-scenario.ts";
import { buildSnapshot, type SnapshotInput } from "../../routing-tables/snapshot.ts";
import type { MixReport } from "./mix-source.ts";
import { rateScale } from "./mix-source.ts";
import type { ScenarioStep } from "./scenario.ts";

export interface WhatIfWorld {
  readonly catalogue: CatalogueConfig;
  readonly policies: readonly PolicyConfig[];
  readonly steps: readonly ScenarioStep[];
  /** The live inputs under the scenario (health, overrides, RTTs); none from files. */
  readonly live?: Omit<SnapshotInput, "version" | "catalogue" | "policy">;
  readonly options: SimulateOptions;
}

export interface WhatIfResult {
  readonly mix: MixReport;
  /** results[policy][step] */
  readonly results: readonly (readonly Simulation[])[];
}

/** A simulator per (policy, step), in that order. */
export function simulatorsFor(world: WhatIfWorld): Simulator[][] {
  const base = { health: world.live?.health ?? {}, overrides: world.live?.overrides ?? {} };
  return world.policies.map((policy) =>
    world.steps.map((step) =>
      createSimulator(
        buildSnapshot({
          version: 1,
          ...world.live,
          catalogue: world.catalogue,
          policy,
          ...applySiteStates(base, step.states),
        }),
        world.options,
      ),
    ),
  );
}

/** Reads the mix once into every simulator; `totalRps` as in rateScale. */
export async function runWhatIf(
  world: WhatIfWorld,
  read: (sink: (row: MixRow) => void) => Promise<MixReport>,
  totalRps?: number,
): Promise<WhatIfResult> {
  const simulators = simulatorsFor(world);
  const all = simulators.flat();
  const mix = await read((row) => {
    for (const simulator of all) simulator.add(row);
  });
  const scale = rateScale(mix, totalRps);
  return { mix, results: simulators.map((steps) => steps.map((s) => s.result(scale))) };
}
