/**
 * `gateway serve`'s primary process: the control plane (the one owner of the routing state,
 * the admin API) and N workers, each a data plane on the shared port (SO_REUSEPORT). The one
 * path for every N, 1 included.
 *
 * - A worker that dies while the gateway serves is logged (code, signal) and forked again
 *   (crash-policy.ts: a doubling delay, then giving up with exit 1 past the crash-loop limit,
 *   so systemd restarts the unit). A worker that cannot start fails the start: exit 1.
 * - Signals are the primary's: SIGHUP reloads (config files here, GeoIP in every worker);
 *   SIGTERM drains every worker once (repeats are logged and change nothing); SIGINT drains
 *   too, and a second SIGINT — or SIGQUIT at any time — stops at once.
 */
import cluster, { type Worker } from "node:cluster";
import { createServer } from "node:net";
import type { Logger } from "pino";
import type { BootConfig } from "../config/boot-schema.ts";
import type { ControlPlane } from "./control-plane.ts";
import { crashVerdict } from "./crash-policy.ts";
import type { HeldSignal, HeldSignals } from "./early-signals.ts";
import { primaryEnd } from "./ipc-channel.ts";
import type { FromWorker } from "./link.ts";

export interface SupervisorOptions {
  readonly boot: BootConfig;
  readonly workers: number;
  readonly control: ControlPlane;
  readonly logger: Logger;
  readonly signals: HeldSignals;
}

/** Past the drain's own deadline (delay + grace), how long the workers still get to exit. */
const EXIT_MARGIN_MS = 5_000;

type Phase = "starting" | "serving" | "draining" | "stopping";

/** Resolves with the process's exit code once every worker is gone. */
export async function runSupervisor(options: SupervisorOptions): Promise<number> {
  const { boot, control, logger } = options;
  const port = boot.listen.port === 0 ? await freePort(boot.listen.host) : boot.listen.port;
  const { tls } = boot;
  const tlsPort =
    tls.enabled && tls.listen.port === 0 ? await freePort(tls.listen.host) : tls.listen.port;
  const workerBoot: BootConfig = {
    ...boot,
    listen: { ...boot.listen, port },
    tls: { ...tls, listen: { ...tls.listen, port: tlsPort } },
  };
  cluster.setupPrimary({ serialization: "advanced" });
  const live = new Map<number, Worker>();
  const deaths: number[] = [];
  let phase: Phase = "starting";
  let startFailure: string | undefined;
  let finish: (code: number) => void = () => {};
  const finished = new Promise<number>((resolve) => {
    finish = resolve;
  });

  const fork = (index: number) => {
    const worker = cluster.fork({ GATEWAY_WORKER_INDEX: String(index) });
    live.set(index, worker);
    let reason: string | undefined;
    // An IPC send that races the worker's end (EPIPE): its exit is handled below.
    worker.on("error", (error) => logger.debug({ err: error, worker: index }, "worker channel"));
    worker.on("message", (message: FromWorker) => {
      if (message.kind === "hello") {
        worker.send({ kind: "boot", boot: workerBoot, index });
        control.followers.add(primaryEnd(worker), { worker: index, pid: worker.process.pid });
      } else if (message.kind === "fatal") reason = message.reason;
    });
    worker.once("exit", (code, signal) => exited(index, worker, code, signal, reason));
  };

  const exited = (
    index: number,
    worker: Worker,
    code: number | null,
    signal: string | null,
    reason: string | undefined,
  ) => {
    if (live.get(index) === worker) live.delete(index);
    const facts = { worker: index, pid: worker.process.pid, code, signal, reason };
    if (phase === "draining" || phase === "stopping") {
      logger.info(facts, "worker exited");
      if (live.size === 0) void closeAndFinish(0);
      return;
    }
    if (phase === "starting") {
      startFailure = `worker ${index} exited before it listened (code ${code}, signal ${signal})${reason ? `: ${reason}` : ""}`;
      control.followers.recheck();
      return;
    }
    deaths.push(Date.now());
    const verdict = crashVerdict(deaths, Date.now(), boot.supervisor);
    if (verdict.action === "give-up") {
      logger.fatal(
        { ...facts, recentDeaths: verdict.recentDeaths },
        "workers keep dying: giving up (exit 1, for systemd to restart the gateway)",
      );
      void stop("stopping", 1);
      return;
    }
    logger.error({ ...facts, restartInMs: verdict.delayMs }, "worker died; forking it again");
    setTimeout(() => {
      if (phase === "serving") fork(index);
    }, verdict.delayMs);
  };

  let exitCode = 0;
  const closeAndFinish = async (code: number) => {
    await control.close().catch((error: Error) => logger.error({ err: error }, "while closing"));
    finish(code === 0 ? exitCode : code);
  };

  /** Drain (graceful) or stop now; waits for the workers within a deadline, then kills them. */
  const stop = async (next: "draining" | "stopping", code = 0) => {
    exitCode = Math.max(exitCode, code);
    phase = next;
    if (next === "draining") control.beginDrain(boot.limits.shutdownGraceMs);
    else control.stopNow();
    if (live.size === 0) return closeAndFinish(code);
    const deadline =
      next === "draining"
        ? boot.limits.shutdownDelayMs + boot.limits.shutdownGraceMs + EXIT_MARGIN_MS
        : EXIT_MARGIN_MS;
    setTimeout(() => {
      for (const worker of live.values()) {
        logger.error({ pid: worker.process.pid }, "worker did not exit in time: killed");
        worker.process.kill("SIGKILL");
      }
    }, deadline).unref();
  };

  const onSignal = (signal: HeldSignal) => {
    logger.info({ signal, phase }, "signal");
    if (signal === "SIGHUP") {
      if (phase === "serving") control.reload();
    } else if (signal === "SIGQUIT" || (signal === "SIGINT" && phase === "draining")) {
      if (phase !== "stopping") void stop("stopping");
    } else if (phase === "serving") void stop("draining");
    else logger.warn({ signal }, "already stopping; SIGQUIT (or a second SIGINT) stops at once");
  };

  for (let index = 0; index < options.workers; index++) fork(index);
  try {
    await control.followers.listeningCount(
      options.workers,
      boot.supervisor.startTimeoutMs,
      () => startFailure,
    );
  } catch (error) {
    logger.fatal({ err: error }, "the gateway could not start");
    await stop("stopping", 1);
    return finished;
  }
  phase = "serving";
  const url = urlFor("http", boot.listen.host, port);
  const tlsUrl = tls.enabled ? { tls: urlFor("https", tls.listen.host, tlsPort) } : {};
  logger.info(
    { url, ...tlsUrl, admin: control.adminUrl, workers: options.workers },
    "gateway listening",
  );
  logger.flush();
  await control.register(url);
  options.signals.take(onSignal);
  return finished;
}

function urlFor(scheme: string, host: string, port: number): string {
  return `${scheme}://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** A port nobody listens on now (the workers then share it; port 0 would give each its own). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen({ port: 0, host }, () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
