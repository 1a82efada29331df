/**
 * Connections refused at `limits.maxConnections`: each counted in
 * `gateway_connections_refused_total`, and said in the log at a bounded rate, since a flood
 * of refusals must not become a flood of log lines: the first refusal is logged at once, then
 * at most one line per `everyMs` with how many more were refused meanwhile.
 */
import type { Logger } from "pino";
import type { GatewayMetrics } from "../state/metrics.ts";

export function connectionRefusals(
  metrics: GatewayMetrics,
  logger: Logger,
  maxConnections: number,
  everyMs = 10_000,
): () => void {
  let suppressed = 0;
  let window: NodeJS.Timeout | undefined;
  const closeWindow = () => {
    if (suppressed === 0) {
      window = undefined;
      return;
    }
    logger.warn(
      { refused: suppressed, maxConnections, periodMs: everyMs },
      "connections refused: limits.maxConnections open",
    );
    suppressed = 0;
    window = setTimeout(closeWindow, everyMs);
    window.unref();
  };
  return () => {
    metrics.connectionsRefused.inc();
    if (window !== undefined) {
      suppressed += 1;
      return;
    }
    logger.warn({ refused: 1, maxConnections }, "connections refused: limits.maxConnections open");
    window = setTimeout(closeWindow, everyMs);
    window.unref();
  };
}
