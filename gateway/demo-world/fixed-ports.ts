/**
 * The demo's two fixed addresses (front and admin): listening with a clear error when the
 * port is taken, closing, and the URL a server listens on.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

export type FixedPortRole = "front" | "admin";

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
export function listen(server: Server, role: FixedPortRole, host: string, port: number) {
  return new Promise<void>((resolve, reject) => {
    const fail = (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new PortInUseError(role, host, port, error) : error);
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      resolve();
    });
  });
}

/** Stops listening and cuts every HTTP connection; a server not listening is done already. */
export function closeServer(server: Server): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

export function urlOf(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}
