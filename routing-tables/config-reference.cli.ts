/** `npm run docs`: rewrite the configuration reference sections of README.md from the schemas. */
import { readFileSync, writeFileSync } from "node:fs";
import { withConfigReference } from "./config-reference.ts";

const readme = new URL("../README.md", import.meta.url);
const before = readFileSync(readme, "utf8");
const after = withConfigReference(before);
writeFileSync(readme, after);
console.log(
  before === after
    ? "README.md: configuration reference already current"
    : "README.md: configuration reference rewritten",
);
