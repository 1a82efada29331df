/**
 * Signals caught from the process's first instruction (cli.ts imports this before anything
 * else, and loading the rest takes a while): until a command takes them, SIGHUP, SIGTERM,
 * SIGINT and SIGQUIT are held instead of killing the process (Node's default for SIGHUP is
 * death, which systemd reads as a clean exit). A command that does not want them lets go: the
 * defaults come back, and a held SIGINT or SIGTERM is acted on then.
 */
const SIGNALS = ["SIGHUP", "SIGTERM", "SIGINT", "SIGQUIT"] as const;
export type HeldSignal = (typeof SIGNALS)[number];

/** At most this many signals are held; more of them change nothing a command would do. */
const MAX_HELD = 16;

export interface HeldSignals {
  /** From now on `handler` gets every signal; the held ones first, in order. */
  take(handler: (signal: HeldSignal) => void): void;
  /** Node's defaults again; a held SIGINT, SIGTERM or SIGQUIT is re-raised. */
  release(): void;
}

export function holdSignals(): HeldSignals {
  const held: HeldSignal[] = [];
  let handler: ((signal: HeldSignal) => void) | undefined;
  const listener = (signal: HeldSignal) => {
    if (handler) handler(signal);
    else if (held.length < MAX_HELD) held.push(signal);
  };
  for (const signal of SIGNALS) process.on(signal, listener);
  return {
    take: (next) => {
      handler = next;
      for (const signal of held.splice(0)) next(signal);
    },
    release: () => {
      for (const signal of SIGNALS) process.off(signal, listener);
      const fatal = held.find((s) => s !== "SIGHUP");
      if (fatal) process.kill(process.pid, fatal);
    },
  };
}
