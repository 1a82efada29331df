/**
 * Which service serves a request: by Host (exact beats `*.domain`, which beats `*`; a longer
 * wildcard beats a shorter), then by the longest matching path prefix among that host's services.
 */
import type { ServiceView } from "./service-view.ts";

export interface ServiceRouter {
  readonly exact: ReadonlyMap<string, readonly ServiceView[]>;
  /** Wildcard suffixes such as ".example.net", longest first. */
  readonly wildcards: readonly (readonly [string, readonly ServiceView[]])[];
  readonly catchAll: readonly ServiceView[];
}

const byLongestPrefix = (a: ServiceView, b: ServiceView) =>
  b.pathPrefix.length - a.pathPrefix.length;

export function buildServiceRouter(services: readonly ServiceView[]): ServiceRouter {
  const exact = new Map<string, ServiceView[]>();
  const wildcards = new Map<string, ServiceView[]>();
  const catchAll: ServiceView[] = [];
  for (const service of services) {
    for (const host of service.hosts) {
      if (host === "*") catchAll.push(service);
      else if (host.startsWith("*.")) push(wildcards, host.slice(1), service);
      else push(exact, host, service);
    }
  }
  for (const list of [...exact.values(), ...wildcards.values(), catchAll])
    list.sort(byLongestPrefix);
  const sortedWildcards = [...wildcards.entries()].sort((a, b) => b[0].length - a[0].length);
  return Object.freeze({ exact, wildcards: sortedWildcards, catchAll });
}

function push(map: Map<string, ServiceView[]>, key: string, service: ServiceView): void {
  const list = map.get(key);
  if (list) list.push(service);
  else map.set(key, [service]);
}

/** Host header value to the name routes use: lowercase, no port, no trailing dot. */
export function normalizeHost(host: string): string {
  let name = host;
  if (name.startsWith("[")) {
    const end = name.indexOf("]");
    name = end > 0 ? name.slice(0, end + 1) : name;
  } else {
    const colon = name.indexOf(":");
    if (colon >= 0) name = name.slice(0, colon);
  }
  if (name.endsWith(".")) name = name.slice(0, -1);
  return name.toLowerCase();
}

export function matchService(
  router: ServiceRouter,
  host: string,
  path: string,
): ServiceView | undefined {
  const name = normalizeHost(host);
  const candidates = router.exact.get(name) ?? wildcardFor(router, name) ?? router.catchAll;
  for (const service of candidates) {
    if (path.startsWith(service.pathPrefix)) return service;
  }
  return undefined;
}

function wildcardFor(router: ServiceRouter, name: string): readonly ServiceView[] | undefined {
  for (const [suffix, services] of router.wildcards) {
    if (name.endsWith(suffix) && name.length > suffix.length) return services;
  }
  return undefined;
}
