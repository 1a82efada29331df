/**
 * One poll of the local gateway's admin API, as the announcer sees it: `GET /readyz` says
 * whether the gateway will serve at all (it answers 503 while shutting down, and when its
 * own site is down, draining or compromised); when it is ready, `GET /sites` says whether
 * its site is healthy or degraded. Fetch → pure transform: `observationFromAnswers` reads
 * only the two answers.
 */
import type { SiteObservation } from "./announce-decision.ts";

export interface AdminAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface SitesBody {
  readonly ingress?: unknown;
  readonly sites?: readonly { readonly id?: unknown; state?: unknown; health?: unknown }[];
}

/** The observation two admin answers make; `sites` is absent when /readyz said not ready. */
export function observationFromAnswers(readyz: AdminAnswer, sites?: AdminAnswer): SiteObservation {
  const reason = (readyz.body as { reason?: unknown } | null)?.reason;
  if (readyz.status !== 200)
    return {
      kind: "not-ready",
      reason: typeof reason === "string" ? reason : `/readyz answered ${readyz.status}`,
    };
  if (sites?.status !== 200)
    return { kind: "unreachable", reason: `/sites answered ${sites?.status ?? "nothing"}` };
  const body = sites.body as SitesBody | null;
  const local = body?.sites?.find((site) => site.id === body.ingress);
  if (!local) return { kind: "unreachable", reason: "/sites does not list the gateway's site" };
  if (local.state === "healthy") return { kind: "usable", state: "healthy", health: 1 };
  if (local.state === "degraded")
    return {
      kind: "usable",
      state: "degraded",
      health: typeof local.health === "number" ? local.health : 0,
    };
  // Ready but not usable: the two answers crossed a change; the next poll settles it.
  return { kind: "not-ready", reason: `local site is ${String(local.state)}` };
}

export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<Response>;

async function getJson(fetchFn: FetchLike, url: string, timeoutMs: number): Promise<AdminAnswer> {
  const response = await fetchFn(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // A non-JSON answer keeps body null; the transform reports it.
  }
  return { status: response.status, body };
}

/** Polls the admin API at `adminUrl`; any network error or timeout is `unreachable`. */
export async function observeLocalSite(
  adminUrl: string,
  timeoutMs: number,
  fetchFn: FetchLike = fetch,
): Promise<SiteObservation> {
  try {
    const readyz = await getJson(fetchFn, `${adminUrl}/readyz`, timeoutMs);
    if (readyz.status !== 200) return observationFromAnswers(readyz);
    return observationFromAnswers(readyz, await getJson(fetchFn, `${adminUrl}/sites`, timeoutMs));
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    return { kind: "unreachable", reason: cause ?? (error as Error).message };
  }
}
