/**
 * The PowerDNS remote backend's HTTP connector, as far as the gateway answers it: a call is a
 * GET of `<url>/<method>/<arguments…>` (each argument percent-encoded; the look-up's client
 * in `X-RemoteBackend-*` headers). This turns a request line and its headers into a call, or
 * into the reason it is malformed. Pure.
 *
 *   GET /dns/lookup/www.example.test./ANY         X-RemoteBackend-real-remote: 198.51.100.160/28
 *   GET /dns/getAllDomains?includeDisabled=true
 *   GET /dns/getDomainInfo/example.test.
 *   GET /dns/getAllDomainMetadata/example.test.
 *   GET /dns/getDomainMetadata/example.test./SOA-EDIT
 *
 * Any other method (`setDomainMetadata`, `getDomainKeys`, …) is a call the gateway declines
 * (the protocol's `{"result": false}`): it keeps no zone data to write or sign.
 */

export type BackendCall =
  | {
      readonly method: "lookup";
      readonly qname: string;
      readonly qtype: string;
      /** The `real-remote` header: the client subnet (see client-subnet.ts). */
      readonly realRemote: string;
    }
  | { readonly method: "getAllDomains" }
  | { readonly method: "getDomainInfo"; readonly name: string }
  | { readonly method: "getAllDomainMetadata"; readonly name: string }
  | { readonly method: "getDomainMetadata"; readonly name: string; readonly kind: string }
  | { readonly method: "declined"; readonly name: string };

export type ParsedCall =
  | { readonly ok: true; readonly call: BackendCall }
  | { readonly ok: false; readonly reason: string };

/** Longer request targets are refused before any parsing (a name is at most 253 characters). */
export const MAX_TARGET_CHARS = 2_048;
/** A decoded argument longer than this is no name, type or metadata kind. */
const MAX_ARGUMENT_CHARS = 1_024;
/** Method names are short words; this bounds the one logged when declined. */
const METHOD_PATTERN = /^[A-Za-z]{1,40}$/;
const QTYPE_PATTERN = /^[A-Z0-9]{1,16}$/;

const bad = (reason: string): ParsedCall => ({ ok: false, reason });

/**
 * The call a request names. `base` is the path PowerDNS's `url=` points at (default `/dns`);
 * `header` reads a request header by its lowercase name.
 */
export function parseBackendCall(
  target: string,
  header: (name: string) => string | undefined,
  base = "/dns",
): ParsedCall {
  if (target.length > MAX_TARGET_CHARS)
    return bad(`request target over ${MAX_TARGET_CHARS} characters`);
  const query = target.indexOf("?");
  const path = query < 0 ? target : target.slice(0, query);
  if (!path.startsWith(`${base}/`)) return bad(`not under ${base}/`);
  const raw = path.slice(base.length + 1).split("/");
  if (raw.length > 4) return bad("more than 3 arguments");
  const parts: string[] = [];
  for (const part of raw) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(part);
    } catch {
      return bad("an argument is not valid percent-encoding");
    }
    if (decoded.length > MAX_ARGUMENT_CHARS) return bad("an argument is too long");
    parts.push(decoded);
  }
  const [method = "", ...args] = parts;
  if (!METHOD_PATTERN.test(method)) return bad("no method name");
  return callOf(method, args, header);
}

function callOf(
  method: string,
  args: readonly string[],
  header: (name: string) => string | undefined,
): ParsedCall {
  const [first = "", second = ""] = args;
  switch (method.toLowerCase()) {
    case "lookup": {
      if (args.length !== 2) return bad("lookup takes a name and a type");
      if (!QTYPE_PATTERN.test(second)) return bad("lookup's type is not a type name");
      const realRemote = header("x-remotebackend-real-remote");
      if (realRemote === undefined) return bad("lookup without X-RemoteBackend-real-remote");
      return { ok: true, call: { method: "lookup", qname: first, qtype: second, realRemote } };
    }
    case "getalldomains":
      return { ok: true, call: { method: "getAllDomains" } };
    case "getdomaininfo":
      return args.length === 1
        ? { ok: true, call: { method: "getDomainInfo", name: first } }
        : bad("getDomainInfo takes a name");
    case "getalldomainmetadata":
      return args.length === 1
        ? { ok: true, call: { method: "getAllDomainMetadata", name: first } }
        : bad("getAllDomainMetadata takes a name");
    case "getdomainmetadata":
      return args.length === 2
        ? { ok: true, call: { method: "getDomainMetadata", name: first, kind: second } }
        : bad("getDomainMetadata takes a name and a kind");
    default:
      return { ok: true, call: { method: "declined", name: method } };
  }
}
