/**
 * The answer to one `lookup` call: the records PowerDNS turns into a DNS answer. Pure: the
 * snapshot, the client's location, the random source and the zone serial come in.
 *
 * PowerDNS mostly asks for type ANY (it picks the type asked for itself, and needs to know
 * whether the name exists at all); a name that exists but holds nothing of the type asked is
 * answered by PowerDNS as NODATA, a name that does not exist as NXDOMAIN, a name in no zone
 * as REFUSED. A steered name's A and AAAA come from one decision, so both name one site.
 */
import type { ClientLocation } from "../../routing-tables/client.ts";
import type { Random } from "../../routing-tables/decide.ts";
import type { BlockCode } from "../../routing-tables/reason.ts";
import type { ServiceView } from "../../routing-tables/service-view.ts";
import type { Snapshot } from "../../routing-tables/snapshot.ts";
import type { DnsSettings } from "../config/dns-schema.ts";
import {
  type BackendRecord,
  emptyNonTerminal,
  nameServerAddresses,
  nsRecords,
  soaRecord,
} from "./backend-record.ts";
import { normalizeQname } from "./dns-name.ts";
import { steeredSite } from "./steered-site.ts";
import type { NameFacts, ZoneIndex } from "./zone-index.ts";

/** Where the client is, and the prefix length of the network that holds for (the ECS scope). */
export interface LocatedClient {
  readonly location: ClientLocation;
  readonly scopePrefix: number;
}

export interface LookupContext {
  readonly settings: DnsSettings;
  readonly index: ZoneIndex;
  readonly snapshot: Snapshot;
  /** This gateway's site: where a client of unknown location is ranked from. */
  readonly ingress: string;
  /** The SOA serial. */
  readonly serial: number;
  readonly random: Random;
}

export type Outcome = "answer" | "nodata" | "nxdomain" | "refused";

export type LookupAnswer =
  | {
      readonly ok: true;
      readonly records: readonly BackendRecord[];
      readonly outcome: Outcome;
      /** The site a steered name was answered with. */
      readonly site?: string;
      /** Why a steered name got no address (NODATA), as the error catalogue names it. */
      readonly blocked?: BlockCode;
    }
  | { readonly ok: false; readonly code: BlockCode; readonly service: string };

const STEERED_TYPES = new Set(["ANY", "A", "AAAA"]);
const matches = (qtype: string) => (record: BackendRecord) =>
  qtype === "ANY" || record.qtype === qtype;

/** `client` is asked for only when a steered name needs a decision. */
export function answerLookup(
  context: LookupContext,
  qname: string,
  qtype: string,
  client: () => LocatedClient,
): LookupAnswer {
  const name = normalizeQname(qname);
  const facts = name === undefined ? undefined : context.index.factsOf(name);
  if (!facts) {
    const inZone = name !== undefined && context.index.zoneOf(name) !== undefined;
    return { ok: true, records: [], outcome: inZone ? "nxdomain" : "refused" };
  }
  const own = zoneRecords(context, qname, facts).filter(matches(qtype));
  if (!facts.service || !STEERED_TYPES.has(qtype)) return finish(qname, qtype, facts, own);
  const steered = steeredRecords(context, qname, facts.service, facts.zone.id, client());
  if (!steered.ok) {
    if (context.settings.whenBlocked === "servfail")
      return { ok: false, code: steered.code, service: facts.service.name };
    return { ...finish(qname, qtype, facts, own), blocked: steered.code };
  }
  const records = [...own, ...steered.records.filter(matches(qtype))];
  return { ...finish(qname, qtype, facts, records), site: steered.site };
}

/** What the name holds apart from steering: apex SOA and NS, name-server addresses. */
function zoneRecords(context: LookupContext, qname: string, facts: NameFacts): BackendRecord[] {
  const { settings, serial } = context;
  const { zone } = facts;
  return [
    ...(facts.apex
      ? [soaRecord(qname, zone, settings, serial), ...nsRecords(qname, zone, settings)]
      : []),
    ...(facts.nameServer ? nameServerAddresses(qname, facts.nameServer, zone, settings) : []),
  ];
}

/** An existing name with nothing to say for an ANY look-up is an empty non-terminal. */
function finish(qname: string, qtype: string, facts: NameFacts, records: BackendRecord[]) {
  if (records.length > 0) return { ok: true as const, records, outcome: "answer" as const };
  const marker = qtype === "ANY" ? [emptyNonTerminal(qname, facts.zone)] : [];
  return { ok: true as const, records: marker, outcome: "nodata" as const };
}

function steeredRecords(
  context: LookupContext,
  qname: string,
  service: ServiceView,
  zoneId: number,
  client: LocatedClient,
): { ok: true; site: string; records: BackendRecord[] } | { ok: false; code: BlockCode } {
  const { snapshot, ingress, random, settings } = context;
  const steering = steeredSite(snapshot, service, client.location, ingress, random);
  if (!steering.ok) return steering;
  const { publicIPv4, publicIPv6 } = steering.site.config;
  const record = (qtype: string, content: string): BackendRecord => ({
    qtype,
    qname,
    content,
    ttl: settings.ttlSeconds,
    domain_id: zoneId,
    scopeMask: client.scopePrefix,
  });
  const records = [
    ...(publicIPv4 ? [record("A", publicIPv4)] : []),
    ...(publicIPv6 ? [record("AAAA", publicIPv6)] : []),
  ];
  return { ok: true, site: steering.site.id, records };
}
