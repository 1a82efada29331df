/**
 * ACLs as the double models them (api-docs/acl, docs/security/acl/acl-rules; the endpoints'
 * enforcement read in agent/consul/kvs_endpoint.go and the catalog/health filters):
 *
 * - Off by default (every request may do everything, as a cluster without ACLs).
 * - On, a request's token comes from `X-Consul-Token`, `Authorization: Bearer`, or `?token=`;
 *   no token is the anonymous token. A token the double does not know answers 403
 *   `ACL not found`.
 * - Rules per resource (`key`, `service`, `node`): an exact rule wins over a prefix rule, the
 *   longest prefix wins among prefix rules, and nothing matching falls to the default policy.
 *   `write` implies `read`; `deny` denies both.
 * - Enforcement, as Consul does it: a single-key KV read without `key:read` answers 403
 *   `Permission denied`; a KV list (`?recurse`, `?keys`) drops the pairs it may not read and,
 *   when none is left, answers 404 like an empty prefix (hashicorp/consul#2637; #3340 made it
 *   a 403 and #3383 reverted that); KV writes need `key:write` (403 otherwise). Catalog and
 *   health lists drop what the token may not read (`service:read` and `node:read`) and answer
 *   200 with what is left — possibly `[]` — with `X-Consul-Results-Filtered-By-ACLs: true`
 *   (Consul 1.11+, hashicorp/consul#11594, #11602). Registering a service needs
 *   `service:write`.
 */
export type AclPolicy = "read" | "write" | "deny";
export type AclResource = "key" | "service" | "node";

/** A token's rules: exact names and prefixes per resource (Consul's `key`/`key_prefix`, …). */
export interface AclRules {
  readonly key?: Readonly<Record<string, AclPolicy>>;
  readonly key_prefix?: Readonly<Record<string, AclPolicy>>;
  readonly service?: Readonly<Record<string, AclPolicy>>;
  readonly service_prefix?: Readonly<Record<string, AclPolicy>>;
  readonly node?: Readonly<Record<string, AclPolicy>>;
  readonly node_prefix?: Readonly<Record<string, AclPolicy>>;
}

export interface AclState {
  enabled: boolean;
  defaultPolicy: "allow" | "deny";
  /** Secret → rules; the anonymous token's rules are under `anonymous`. */
  readonly tokens: Map<string, AclRules>;
}

export const createAcl = (): AclState => ({
  enabled: false,
  defaultPolicy: "allow",
  tokens: new Map(),
});

/** What one request may do; `undefined` from `authorizer` means its token is unknown. */
export interface Authorizer {
  /** True while ACLs are on (filtered answers then say so). */
  readonly enforcing: boolean;
  can(resource: AclResource, name: string, access: "read" | "write"): boolean;
}

const ALLOW_ALL: Authorizer = { enforcing: false, can: () => true };

/** The token a request carries: header, bearer, or `?token=`; undefined: anonymous. */
export function requestToken(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  query: URLSearchParams,
): string | undefined {
  const header = headers["x-consul-token"];
  if (typeof header === "string" && header !== "") return header;
  const bearer = /^Bearer (.+)$/.exec(String(headers.authorization ?? ""))?.[1];
  return bearer ?? (query.get("token") || undefined);
}

export function authorizer(acl: AclState, token: string | undefined): Authorizer | undefined {
  if (!acl.enabled) return ALLOW_ALL;
  const rules = acl.tokens.get(token ?? "anonymous") ?? (token === undefined ? {} : undefined);
  if (rules === undefined) return undefined;
  return {
    enforcing: true,
    can: (resource, name, access) => {
      const policy = ruleFor(rules, resource, name);
      if (policy === undefined) return acl.defaultPolicy === "allow";
      return policy === "write" || (policy === "read" && access === "read");
    },
  };
}

/** The rule that applies to `name`: an exact one, else the longest matching prefix. */
export function ruleFor(
  rules: AclRules,
  resource: AclResource,
  name: string,
): AclPolicy | undefined {
  const exact = rules[resource]?.[name];
  if (exact !== undefined) return exact;
  let best: [number, AclPolicy] | undefined;
  for (const [prefix, policy] of Object.entries(rules[`${resource}_prefix`] ?? {})) {
    if (name.startsWith(prefix) && (best === undefined || prefix.length > best[0]))
      best = [prefix.length, policy];
  }
  return best?.[1];
}
