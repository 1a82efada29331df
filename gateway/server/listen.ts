/** Listening, and the URL a server listens at. */
import type { AddressInfo, Server } from "node:net";

export function listen(
  server: Server,
  port: number,
  host: string,
  reusePort: boolean,
  exclusive = reusePort,
): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    // exclusive: a cluster worker binds its own socket (with reusePort the kernel balances the
    // data-plane sockets; the admin socket is each worker's own, so port 0 gives each its own).
    server.listen({ port, host, reusePort, exclusive }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

export function urlOf(server: Server, scheme: "http" | "https" = "http"): string {
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
