/**
 * The gateway registers itself with the local Consul agent: a `gateway` service for its site
 * (data-plane address and port) with an HTTP check on its admin `/readyz`, so Consul, and
 * through it DNS and the other gateways, see it leave as soon as it drains; it deregisters
 * on shutdown. Critical for a minute, the agent drops it (DeregisterCriticalServiceAfter),
 * so a gateway killed without a goodbye does not linger.
 */
import { type ConsulHttp, ConsulStatusError } from "../../../health/consul/consul-http.ts";

export interface Registration {
  readonly id: string;
  deregister(): Promise<void>;
}

export interface RegistrationTarget {
  readonly site: string;
  readonly name: string;
  /** Where clients reach the data plane. */
  readonly url: string;
  /** The admin API's base URL, for the readiness check. */
  readonly adminUrl: string;
  readonly serviceName: string;
  readonly checkIntervalMs: number;
}

export async function registerGateway(
  http: ConsulHttp,
  target: RegistrationTarget,
): Promise<Registration> {
  const data = new URL(target.url);
  const id = `${target.serviceName}-${target.site}-${target.name}-${data.port}`;
  const Check = {
    Name: "gateway ready",
    HTTP: `${target.adminUrl}/readyz`,
    Interval: `${target.checkIntervalMs}ms`,
    Timeout: `${Math.max(1_000, Math.floor(target.checkIntervalMs / 2))}ms`,
    DeregisterCriticalServiceAfter: "1m",
  };
  const service = {
    Name: target.serviceName,
    ID: id,
    Address: data.hostname === "0.0.0.0" || data.hostname === "[::]" ? "" : data.hostname,
    Port: Number(data.port),
    Tags: [`site-${target.site}`],
    Meta: { site: target.site, gateway: target.name },
    Check,
  };
  await agentPut(http, "/v1/agent/service/register", JSON.stringify(service));
  const path = `/v1/agent/service/deregister/${encodeURIComponent(id)}`;
  return { id, deregister: () => agentPut(http, path) };
}

/** A PUT to the local agent; anything but a 200 is an error. */
async function agentPut(http: ConsulHttp, path: string, body?: string): Promise<void> {
  const answer = await http.call({ method: "PUT", path, ...(body !== undefined && { body }) });
  if (answer.status !== 200) throw new ConsulStatusError(`PUT ${path}`, answer);
}
