/**
 * The publish step for the place of record's policy and its documents' problems: a policy in
 * `<prefix>/policy` is validated as a whole against the catalogue now serving and swapped in,
 * or refused with every error (file `consul-kv:<prefix>/policy`, line, path) while the last
 * good keeps serving (STYLE.md 3); a malformed flag or site document is refused by its key.
 * A deleted policy key leaves the last good policy serving. Overrides are not here: they go
 * to the override book (newer generation wins), sites to membership.
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
import type { RejectedConfig, RoutingState } from "../../state/routing-state.ts";
import { kvFile } from "./fleet-document.ts";

export interface FleetPolicyHooks {
  /** Told when a change carries errors (count them in a metric; /sites shows them). */
  readonly onRejected?: (errors: readonly ConfigError[]) => void;
}

/**
 * Applies each change: the policy when present and valid, the errors as the state's
 * rejection. A rejection this applier recorded is cleared by the next change without errors;
 * one recorded by someone else (a file reload) is left alone unless a policy from the place of
 * record replaces the policy it was about.
 */
export function fleetPolicyApplier(
  state: RoutingState,
  prefix: string,
  hooks: FleetPolicyHooks = {},
) {
  let ownRejection: RejectedConfig | undefined;
  let lastText: string | undefined;
  return (policyText: string | undefined, documentErrors: readonly ConfigError[]): boolean => {
    const changed = policyText !== undefined && policyText !== lastText;
    const checked = changed
      ? validateKvPolicy(kvFile(`${prefix}/policy`), policyText, state.catalogue)
      : { errors: [] };
    if (changed && checked.policy) lastText = policyText;
    const errors = sortConfigErrors([...checked.errors, ...documentErrors]);
    if (errors.length === 0 && ownRejection) state.clearRejection(ownRejection);
    if (checked.policy) state.setConfig({ policy: checked.policy });
    ownRejection = undefined;
    if (errors.length > 0) {
      state.reject(errors);
      ownRejection = state.rejected;
      hooks.onRejected?.(errors);
    }
    return checked.policy !== undefined;
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
