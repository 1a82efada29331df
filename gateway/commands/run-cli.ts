/**
 * The `gateway` command: validate, explain, simulate, diff, serve, announce, leave, status. (The demo world is `npm start`,
 * gateway/demo/main.ts: a consumer of the gateway, not a part of it.) Only `serve` takes the
 * signals cli.ts held since the first instruction; every other command lets them go.
 */
import type { HeldSignals } from "../process/early-signals.ts";
import { ANNOUNCE_USAGE, announceCommand } from "./announce.ts";
import { DIFF_USAGE, diffCommand } from "./diff.ts";
import { EXPLAIN_USAGE, explainCommand } from "./explain.ts";
import { type CommandIo, EXIT_USAGE, processIo } from "./io.ts";
import { LEAVE_USAGE, leaveCommand } from "./leave.ts";
import { SERVE_USAGE, serveCommand } from "./serve.ts";
import { SIMULATE_USAGE, simulateCommand } from "./simulate.ts";
import { STATUS_USAGE, statusCommand } from "./status.ts";
import { VALIDATE_USAGE, validateCommand } from "./validate.ts";

type Command = (
  args: readonly string[],
  io: CommandIo,
  signals: HeldSignals,
) => number | Promise<number>;

const COMMANDS: Record<string, { run: Command; usage: string }> = {
  validate: { run: validateCommand, usage: VALIDATE_USAGE },
  explain: { run: explainCommand, usage: EXPLAIN_USAGE },
  simulate: { run: simulateCommand, usage: SIMULATE_USAGE },
  diff: { run: diffCommand, usage: DIFF_USAGE },
  serve: { run: serveCommand, usage: SERVE_USAGE },
  announce: { run: announceCommand, usage: ANNOUNCE_USAGE },
  leave: { run: leaveCommand, usage: LEAVE_USAGE },
  status: { run: statusCommand, usage: STATUS_USAGE },
};

const USAGE = `usage: gateway <command> [options]
commands: ${Object.keys(COMMANDS).join(", ")}; gateway <command> --help for its options`;

export async function runCli(argv: readonly string[], signals: HeldSignals): Promise<number> {
  const [name, ...args] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (name !== "serve") signals.release();
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
  return command.run(args, processIo, signals);
}
