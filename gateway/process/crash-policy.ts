/**
 * What the supervisor does when a worker dies while the gateway serves: fork it again after a
 * delay that doubles with each death inside the crash-loop window (capped), or — past
 * `crashLoopRestarts` deaths inside the window — give up, so the process exits non-zero and
 * systemd (Restart=on-failure) restarts the whole unit with a clean slate. Pure: the deaths'
 * times and the clock come in.
 */
export interface CrashPolicySettings {
  readonly restartDelayMs: number;
  readonly restartDelayMaxMs: number;
  readonly crashLoopRestarts: number;
  readonly crashLoopWindowMs: number;
}

export type CrashVerdict =
  | { readonly action: "restart"; readonly delayMs: number; readonly recentDeaths: number }
  | { readonly action: "give-up"; readonly recentDeaths: number };

/** `deaths`: the times of the deaths so far, this one included, in ms. */
export function crashVerdict(
  deaths: readonly number[],
  nowMs: number,
  settings: CrashPolicySettings,
): CrashVerdict {
  const since = nowMs - settings.crashLoopWindowMs;
  const recentDeaths = deaths.filter((t) => t > since).length;
  if (recentDeaths > settings.crashLoopRestarts) return { action: "give-up", recentDeaths };
  const doubled = settings.restartDelayMs * 2 ** Math.max(0, recentDeaths - 1);
  return {
    action: "restart",
    delayMs: Math.min(settings.restartDelayMaxMs, doubled),
    recentDeaths,
  };
}
