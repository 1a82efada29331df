/**
 * A worker process of `gateway serve`: one data plane, fed by the primary over IPC. The
 * primary owns the signals (the worker ignores those a terminal or a process group sends it:
 * the primary tells it when to drain or stop). When the primary is gone (the IPC channel
 * closes) the worker stops at once rather than serve a state nobody updates.
 */
import type { Logger } from "pino";
import { openGeoipSource } from "../client-facts/geoip-source.ts";
import type { BootConfig } from "../config/boot-schema.ts";
import { startDataPlane } from "./data-plane.ts";
import type { HeldSignals } from "./early-signals.ts";
import { workerEnd } from "./ipc-channel.ts";
import { gatewayLogger } from "./start-gateway.ts";

/** A worker's exit codes: 0 drained, 1 could not start (the primary logs the reason). */
export const WORKER_START_FAILED = 1;

export function runWorker(signals: HeldSignals): Promise<number> {
  const end = workerEnd();
  return new Promise((resolve) => {
    end.onBoot(({ boot, index }) => {
      const logger = gatewayLogger(boot).child({ worker: index });
      signals.take((signal) => logger.debug({ signal }, "signal left to the primary"));
      process.on("uncaughtException", (error) => {
        logger.fatal(
          { err: error },
          "uncaught exception: the worker exits (the primary forks another)",
        );
        logger.flush();
        process.exit(1);
      });
      serve(boot, logger, end).then(resolve, (error: Error) => {
        end.send({ kind: "fatal", reason: error.message });
        logger.fatal({ err: error }, "worker could not start");
        logger.flush();
        resolve(WORKER_START_FAILED);
      });
    });
    end.send({ kind: "hello" });
  });
}

async function serve(
  boot: BootConfig,
  logger: Logger,
  end: ReturnType<typeof workerEnd>,
): Promise<number> {
  const geoip = boot.geoip
    ? openGeoipSource(boot.geoip, {
        watch: true,
        onReload: (ok, error) => {
          if (ok) logger.info({ file: boot.geoip }, "GeoIP database reloaded");
          else logger.error({ err: error }, "GeoIP reload failed; the last good serves");
        },
      })
    : undefined;
  const data = await startDataPlane({
    boot,
    channel: end.channel,
    logger,
    ...(geoip && { locate: (address: string) => geoip.locate(address) }),
    ...(geoip && { onGeoipReload: () => void geoip.reload(), geoip }),
    reusePort: true,
  });
  const flusher = setInterval(() => logger.flush(), 1_000);
  flusher.unref();
  // The data plane drains or stops on the primary's word (its own message handler); the
  // worker ends when it has. Without a primary there is nobody to say it: stop now.
  let done = false;
  const inFlightLeft = await new Promise<number>((resolve) => {
    end.channel.onMessage((message) => {
      if (message.kind === "drain") void data.drain(message.graceMs).then(resolve);
      else if (message.kind === "stop-now") void data.stopNow().then(() => resolve(-1));
    });
    end.channel.onClose(() => {
      if (done) return;
      logger.error("the primary is gone; stopping now");
      void data.stopNow().then(() => resolve(-1));
    });
  });
  done = true;
  geoip?.close();
  clearInterval(flusher);
  logger.info({ inFlightLeft }, "worker stopped");
  await new Promise<void>((resolve) => logger.flush(() => resolve()));
  return 0;
}
