/**
 * The demo's fixed addresses (the front, its TLS twin, the admin): listening (as the gateway
 * does, server/listen.ts) with a clear error when the port is taken, and closing.
 */
import type { Server } from "node:http";
import type { Server as NetServer } from "node:net";
import { listen as listenOn } from "../server/listen.ts";

export type FixedPortRole = "front" | "tls" | "admin";

/** A port the demo needs is taken (EADDRINUSE); `role` says which one. */
export class PortInUseError extends Error {
  override name = "PortInUseError";
  readonly role: FixedPortRole;
  readonly port: number;
  constructor(role: FixedPortRole, host: string, port: number, cause: unknown) {
    super(`${host}:${port} (the demo ${role}) is already in use`, { cause });
    this.role = role;
    this.port = port;
  }
}

/** Listens; a taken port rejects with a PortInUseError, anything else as it came. */
export async function listen(
  server: NetServer,
  role: FixedPortRole,
  host: string,
  port: number,
): Promise<void> {
  try {
    await listenOn(server, port, host, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EADDRINUSE")
      throw new PortInUseError(role, host, port, error);
    throw error;
  }
}

/** Stops listening and cuts every HTTP connection; a server not listening is done already. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
