/**
 * The publish step of the KV watch: one answer's content → validated → swapped into the
 * routing state, or refused with every error while the last good keeps serving (STYLE.md 3).
 */
import { stringify } from "yaml";
import type { CatalogueConfig } from "../../../routing-tables/catalogue-schema.ts";
import {
  type ConfigError,
  sortConfigErrors,
  wholeFileError,
} from "../../../routing-tables/config-error.ts";
import { validateConfig } from "../../../routing-tables/load-config.ts";
import type { PolicyConfig } from "../../../routing-tables/policy-schema.ts";
import type { OpsOverride, Snapshot } from "../../../routing-tables/snapshot.ts";
import type { RejectedConfig, RoutingState } from "../../state/routing-state.ts";
import type { KvPrefixBody } from "./consul-kv-client.ts";
import { kvFile, nextOverrides, readKvContent } from "./consul-kv-document.ts";

/** What one change in KV did to the routing state. */
export interface KvApplied {
  readonly snapshot: Snapshot;
  /** True when a policy from KV was validated and swapped in. */
  readonly policyApplied: boolean;
  readonly overrides: Readonly<Record<string, OpsOverride>>;
  /** Problems found in this change (empty when everything applied). */
  readonly errors: readonly ConfigError[];
}

export interface KvApplyHooks {
  /** Told when a change carries errors (count them in a metric; /sites shows them). */
  readonly onRejected?: (errors: readonly ConfigError[]) => void;
  /** Told after each change is applied, wholly or in part. */
  readonly onApplied?: (applied: KvApplied) => void;
}

/**
 * Applies each changed answer to `state`: the policy when valid, the overrides always (see
 * nextOverrides), the errors as the state's rejection. A rejection this applier recorded is
 * cleared by the next answer without errors; one recorded by someone else (a file reload)
 * is left alone unless a KV policy replaces the policy it was about.
 */
export function kvApplier(
  state: RoutingState,
  prefix: string,
  hooks: KvApplyHooks = {},
): (body: KvPrefixBody) => KvApplied {
  // The overrides KV last gave; the state's own at start, so a compromise there is kept.
  let applied: Readonly<Record<string, OpsOverride>> = state.inputs.overrides;
  let ownRejection: RejectedConfig | undefined;
  return (body) => {
    const content = readKvContent(body.entries, prefix);
    const overrides = nextOverrides(applied, content, body.knownLeader);
    const checked =
      content.policyText === undefined
        ? { errors: [] }
        : validateKvPolicy(kvFile(`${prefix}/policy`), content.policyText, state.inputs.catalogue);
    const errors = sortConfigErrors([...checked.errors, ...content.errors]);
    if (errors.length === 0 && ownRejection) state.clearRejection(ownRejection);
    const snapshot = state.setOverrides(overrides, checked.policy);
    applied = overrides;
    ownRejection = undefined;
    if (errors.length > 0) {
      state.reject(errors);
      ownRejection = state.rejected;
      hooks.onRejected?.(errors);
    }
    const result = { snapshot, policyApplied: checked.policy !== undefined, overrides, errors };
    hooks.onApplied?.(result);
    return result;
  };
}

/**
 * A policy document checked as a whole against the catalogue now serving (its sites are
 * what pins, drains and hub orders may name). Either the policy, or every error located.
 */
export function validateKvPolicy(
  file: string,
  text: string,
  catalogue: CatalogueConfig,
): { policy?: PolicyConfig; errors: readonly ConfigError[] } {
  const result = validateConfig([
    { file, text },
    // The gateway's own YAML of what it serves: no size cap (see ConfigText.maxBytes).
    {
      file: "(catalogue now serving)",
      text: stringify(catalogue),
      maxBytes: Number.POSITIVE_INFINITY,
    },
  ]);
  if (!result.ok) return { errors: result.errors };
  if (!result.policy) return { errors: [wholeFileError(file, "no policy")] };
  return { policy: result.policy, errors: [] };
}
