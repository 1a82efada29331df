/** `npm run docs`: rewrite the configuration reference sections of README.md from the schemas. */
import { readFileSync, writeFileSync } from "node:fs";
import { withConfigReference } from "../../routing-tables/config-reference.ts";
import { bootSchema } from "./boot-schema.ts";

/** The schemas the README documents beyond routing-tables' own. */
export const GATEWAY_SCHEMAS = { boot: bootSchema };

if (import.meta.main) {
  const readme = new URL("../../README.md", import.meta.url);
  const before = readFileSync(readme, "utf8");
  const after = withConfigReference(before, GATEWAY_SCHEMAS);
  writeFileSync(readme, after);
  console.log(
    before === after
      ? "README.md: configuration reference already current"
      : "README.md: configuration reference rewritten",
  );
}
