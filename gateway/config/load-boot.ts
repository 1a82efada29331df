/** Reads and validates a boot config; relative paths become relative to its folder. */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import {
  type ConfigError,
  formatConfigError,
  wholeFileError,
} from "../../routing-tables/config-error.ts";
import { parseYamlSource, schemaErrors } from "../../routing-tables/yaml-source.ts";
import { type BootConfig, bootSchema } from "./boot-schema.ts";

export type BootResult =
  | { readonly ok: true; readonly boot: BootConfig }
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

export function loadBoot(file: string): BootResult {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return {
      ok: false,
      errors: [wholeFileError(file, `cannot read: ${(error as Error).message}`)],
    };
  }
  const parsed = parseYamlSource(file, text);
  if (parsed.errors.length > 0) return { ok: false, errors: parsed.errors };
  const result = bootSchema.safeParse(parsed.source.data);
  if (!result.success) return { ok: false, errors: schemaErrors(parsed.source, result.error) };
  const base = dirname(file);
  const boot = result.data;
  return {
    ok: true,
    boot: {
      ...boot,
      catalogue: resolve(base, boot.catalogue),
      policy: resolve(base, boot.policy),
      stateDirectory: resolve(base, boot.stateDirectory),
      ...(boot.geoip && { geoip: resolve(base, boot.geoip) }),
    },
  };
}

export const describeErrors = (errors: readonly ConfigError[]) =>
  errors.map(formatConfigError).join("\n");
