#!/usr/bin/env node
/**
 * The `gateway` command: validate, explain, simulate, diff, serve, announce. (The demo world is `npm start`,
 * gateway/demo/main.ts: a consumer of the gateway, not a part of it.)
 */
import { ANNOUNCE_USAGE, announceCommand } from "./commands/announce.ts";
import { DIFF_USAGE, diffCommand } from "./commands/diff.ts";
import { EXPLAIN_USAGE, explainCommand } from "./commands/explain.ts";
import { type CommandIo, EXIT_USAGE, processIo } from "./commands/io.ts";
import { SERVE_USAGE, serveCommand } from "./commands/serve.ts";
import { SIMULATE_USAGE, simulateCommand } from "./commands/simulate.ts";
import { VALIDATE_USAGE, validateCommand } from "./commands/validate.ts";

type Command = (args: readonly string[], io: CommandIo) => number | Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  explain: { run: explainCommand, usage: EXPLAIN_USAGE },
  simulate: { run: simulateCommand, usage: SIMULATE_USAGE },
  diff: { run: diffCommand, usage: DIFF_USAGE },
  serve: { run: serveCommand, usage: SERVE_USAGE },
  announce: { run: announceCommand, usage: ANNOUNCE_USAGE },
};

const USAGE = `usage: gateway <command> [options]
commands: ${Object.keys(COMMANDS).join(", ")}; gateway <command> --help for its options`;

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) {
    processIo.err(
      name === undefined || name === "--help"
        ? USAGE
        : `gateway: unknown command "${name}"\n${USAGE}`,
    );
    return name === "--help" ? 0 : EXIT_USAGE;
  }
  if (args.includes("--help")) {
    processIo.out(command.usage);
    return 0;
  }
  return command.run(args, processIo);
}

process.exitCode = await main(process.argv.slice(2));
