/**
 * Where an ops override goes and how the admin API's answer learns it: the override book (the
 * records, kept in the state directory) and, with a place of record, the fleet's writes. An
 * override is stored fleet-wide (every control datacenter) unless `?local` asks for this
 * gateway only or no place of record is configured; either way the answer waits until the
 * state holds it and every data plane confirmed it (override-confirmation.ts), and says where
 * it was stored.
 */
import type { Logger } from "pino";
import type { AdminContext } from "../admin/admin-api.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import type { FleetWiring } from "../feeds/consul/fleet-wiring.ts";
import {
  createOverrideBook,
  OVERRIDES_FILE,
  type OverrideBook,
  overridesFileSchema,
} from "../feeds/override-book.ts";
import type { GatewayMetrics } from "../state/metrics.ts";
import { effectiveOverrides, type OverrideAction } from "../state/override-record.ts";
import type { RoutingState } from "../state/routing-state.ts";
import { stateFile } from "../state/state-file.ts";
import type { Followers } from "./followers.ts";
import { confirmOverride } from "./override-confirmation.ts";

export interface OverrideStorage {
  readonly boot: BootConfig;
  readonly state: RoutingState;
  readonly followers: Followers;
  readonly book: OverrideBook;
  readonly fleet: FleetWiring | undefined;
  readonly clock: () => number;
}

/** The admin API's `applyOverride`: stores, waits for every data plane, answers where. */
export function overrideStorer(storage: OverrideStorage): AdminContext["applyOverride"] {
  const { boot, state, followers, book, fleet, clock } = storage;
  return async (site, override, request) => {
    const at = clock();
    const action: OverrideAction = {
      change: override,
      who: request.who,
      why: request.why,
      atMs: at,
      expiresAtMs: request.expiresInMs === undefined ? undefined : at + request.expiresInMs,
    };
    if (request.local || !fleet) {
      book.setLocal(site, action);
      await confirmOverride(
        state,
        followers,
        site,
        state.inputs.overrides[site],
        boot.admin.overrideConfirmMs,
      );
      return {
        scope: "local",
        fleetWide: false,
        storedIn: ["this gateway only"],
        persisted: book.persisted(),
        ...(!fleet && {
          note: "no place of record is configured (consul.kvPrefix): this gateway only",
        }),
      };
    }
    const receipt = await fleet.write(site, action, request.consulToken);
    if (!receipt.record) {
      const why = receipt.notStoredIn.map((n) => `${n.datacenter}: ${n.reason}`).join("; ");
      throw new Error(
        `not stored in any control datacenter (${why}); add ?local for this gateway only`,
      );
    }
    const wanted = effectiveOverrides(
      { ...book.fleet(), [site]: receipt.record },
      book.local(),
      at,
    )[site];
    await confirmOverride(state, followers, site, wanted, boot.admin.overrideConfirmMs);
    return {
      scope: "fleet",
      fleetWide: true,
      storedIn: receipt.storedIn,
      notStoredIn: receipt.notStoredIn,
      generation: receipt.record.generation,
    };
  };
}

/** The override book, started from the state directory's copy (ops-overrides.json). */
export function startOverrideBook(
  boot: BootConfig,
  state: RoutingState,
  metrics: GatewayMetrics,
  logger: Logger,
  clock: () => number,
): OverrideBook {
  const book = createOverrideBook({
    state,
    file: stateFile(boot.stateDirectory, OVERRIDES_FILE, overridesFileSchema),
    now: clock,
    onStart: (how, detail) => {
      if (how === "corrupt")
        logger.error(
          { error: detail },
          "the kept ops overrides are unreadable: moved aside, starting without",
        );
      else if (how === "read")
        logger.info({ overrides: state.inputs.overrides }, "ops overrides kept from the last run");
    },
    onPersistError: (error) => {
      metrics.statePersistErrors.inc();
      logger.error(
        { err: error },
        "ops overrides not written to the state directory; applied in memory",
      );
    },
  });
  metrics.trackOverrides(book.view);
  return book;
}

/** Every override an admin call applied, counted by site and action. */
export function countedOverrides(
  apply: AdminContext["applyOverride"],
  metrics: GatewayMetrics,
): AdminContext["applyOverride"] {
  return async (site, override, request) => {
    const receipt = await apply(site, override, request);
    const action =
      override === undefined ? "restore" : override.compromised ? "compromise" : "drain";
    metrics.opsOverrides.labels(site, action).inc();
    return receipt;
  };
}
