/**
 * The gateway registers itself with the local Consul agent: a `gateway` service for its site
 * (data-plane address and port) with an HTTP check on its admin `/readyz`, so Consul, and
 * through it DNS and the other gateways, see it leave as soon as it drains; it deregisters
 * on shutdown. Critical for a minute, the agent drops it (DeregisterCriticalServiceAfter),
 * so a gateway killed without a goodbye does not linger.
 */
import type Consul from "consul";

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
  consul: Consul,
  target: RegistrationTarget,
): Promise<Registration> {
  const data = new URL(target.url);
  const id = `${target.serviceName}-${target.site}-${target.name}-${data.port}`;
  const check = {
    name: "gateway ready",
    http: `${target.adminUrl}/readyz`,
    interval: `${target.checkIntervalMs}ms`,
    timeout: `${Math.max(1_000, Math.floor(target.checkIntervalMs / 2))}ms`,
    deregistercriticalserviceafter: "1m",
  };
  await consul.agent.service.register({
    name: target.serviceName,
    id,
    address: data.hostname === "0.0.0.0" || data.hostname === "[::]" ? "" : data.hostname,
    port: Number(data.port),
    tags: [`site-${target.site}`],
    meta: { site: target.site, gateway: target.name },
    check,
  } as unknown as Parameters<Consul["agent"]["service"]["register"]>[0]);
  return { id, deregister: () => consul.agent.service.deregister(id).then(() => undefined) };
}
