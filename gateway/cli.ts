#!/usr/bin/env node
/**
 * The `gateway` command's entry. Its first instruction holds the signals (a SIGHUP while the
 * rest loads must not kill the process); the commands load after that (commands/run-cli.ts).
 */
import { holdSignals } from "./process/early-signals.ts";

const signals = holdSignals();
const { runCli } = await import("./commands/run-cli.ts");
process.exitCode = await runCli(process.argv.slice(2), signals);
