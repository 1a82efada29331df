/**
 * The lab's events, each a pair: something happens to the preferred site (dar), and it is
 * undone. Shared by the integration test and the figures run. The first of a pair must move
 * the VIP to nbo; the second brings it back to dar, after the announcer's hold-down (after a
 * cut too: the announcer follows ExaBGP's session state, withdraws when the session drops and
 * holds the route down once it is back).
 */

import { HOLD_TIME_S, siteOf, VIP } from "./lab-plan.ts";
import { run } from "./lab-processes.ts";
import type { LabEvent, LabRun } from "./lab-run.ts";

export interface EventPair {
  readonly away: LabEvent;
  /** Undoes it; the way back always waits for the announcer's hold-down. */
  readonly back: LabEvent;
}

/** At most this long for the VIP to leave after a compromise, a kill or a degradation, ms. */
export const MOVE_BOUND_MS = 5_000;

export function eventPairs(labRun: LabRun): EventPair[] {
  const { lab, settings } = labRun;
  const backTimeoutMs = settings.holdDownMs + 15_000;
  const lastPort = siteOf("dar").backendPorts.at(-1) ?? 0;
  const admin = async (path: string) => {
    await lab.admin("dar", "POST", path);
  };
  return [
    {
      away: {
        event: "compromise",
        act: () => admin("/sites/dar/compromise"),
        expect: "nbo",
        timeoutMs: MOVE_BOUND_MS,
      },
      back: {
        event: "restore",
        act: () => admin("/sites/dar/restore"),
        expect: "dar",
        timeoutMs: backTimeoutMs,
      },
    },
    {
      away: {
        event: "gateway killed",
        act: () => lab.stop("gateway:dar", "SIGKILL"),
        expect: "nbo",
        timeoutMs: MOVE_BOUND_MS,
      },
      back: {
        event: "gateway restarted",
        act: async () => void lab.startGateway("dar"),
        expect: "dar",
        timeoutMs: backTimeoutMs,
      },
    },
    {
      away: {
        event: "gateway stopped (SIGTERM)",
        act: () => lab.stop("gateway:dar", "SIGTERM"),
        expect: "nbo",
        timeoutMs: MOVE_BOUND_MS,
      },
      back: {
        event: "gateway started",
        act: async () => void lab.startGateway("dar"),
        expect: "dar",
        timeoutMs: backTimeoutMs,
      },
    },
    {
      away: {
        event: "link down",
        act: () => lab.setWire("dar", false),
        expect: "nbo",
        timeoutMs: HOLD_TIME_S * 1_000 + 2_000,
      },
      back: {
        event: "link up",
        act: () => lab.setWire("dar", true),
        expect: "dar",
        timeoutMs: backTimeoutMs,
      },
    },
    {
      away: {
        event: "degraded",
        act: () => lab.stop(`backend:dar:${lastPort}`, "SIGKILL"),
        expect: "nbo",
        timeoutMs: MOVE_BOUND_MS,
      },
      back: {
        event: "recovered",
        act: async () => void lab.startBackend("dar", lastPort),
        expect: "dar",
        timeoutMs: backTimeoutMs,
      },
    },
  ];
}

/** A `birdc` command to the router's BIRD; its output. */
const birdc = (labRun: LabRun, ...command: string[]) =>
  run(["birdc", "-s", labRun.lab.birdSocket, ...command]);

/** The MED of the path the router holds from a site (after its distance was added), if any. */
export async function routerPathMed(labRun: LabRun, site: string): Promise<number | undefined> {
  const out = await birdc(labRun, "show", "route", `${VIP}/32`, "protocol", `site_${site}`, "all");
  const med = /BGP\.med: (\d+)/.exec(out)?.[1];
  return med === undefined ? undefined : Number(med);
}

/** Updates and withdraws the router has received from a site since its session came up. */
export async function updatesFrom(labRun: LabRun, site: string): Promise<number> {
  const out = await birdc(labRun, "show", "protocols", "all", `site_${site}`);
  const updates = /Import updates:\s+(\d+)/.exec(out)?.[1] ?? "0";
  const withdraws = /Import withdraws:\s+(\d+)/.exec(out)?.[1] ?? "0";
  return Number(updates) + Number(withdraws);
}
