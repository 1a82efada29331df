/**
 * `npm run docs`: rewrite the generated configuration reference in the README of the folder
 * each schema belongs to — the catalogue and policy in routing-tables/README.md, the boot
 * config in gateway/config/README.md. A test beside each README fails when it drifts.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import { ROUTING_SCHEMAS, withConfigReference } from "../../routing-tables/config-reference.ts";
import { bootSchema } from "./boot-schema.ts";

/** The schemas gateway/config/README.md documents. */
export const GATEWAY_SCHEMAS = { boot: bootSchema };

/** Each README with the reference sections generated into it. */
export const REFERENCE_READMES: readonly {
  readonly file: string;
  readonly schemas: Readonly<Record<string, z.ZodType>>;
}[] = [
  {
    file: fileURLToPath(new URL("../../routing-tables/README.md", import.meta.url)),
    schemas: ROUTING_SCHEMAS,
  },
  { file: fileURLToPath(new URL("./README.md", import.meta.url)), schemas: GATEWAY_SCHEMAS },
];

if (import.meta.main) {
  for (const { file, schemas } of REFERENCE_READMES) {
    const before = readFileSync(file, "utf8");
    const after = withConfigReference(before, schemas);
    writeFileSync(file, after);
    console.log(
      `${file}: configuration reference ${before === after ? "already current" : "rewritten"}`,
    );
  }
}
