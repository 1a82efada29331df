#!/usr/bin/env node
/**
 * `npm start`: the demo world (see demo-command.ts). A consumer of the gateway, not part of
 * it: the product's `gateway` command does not know the demo, and nothing in the product
 * imports this folder.
 */
import { processIo } from "../commands/io.ts";
import { demoCommand } from "./demo-command.ts";

process.exitCode = await demoCommand(process.argv.slice(2), processIo);
