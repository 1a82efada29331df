/**
 * Session-ticket keys (RFC 5077; TLS 1.3 tickets alike), made by the control plane and the
 * same in every data plane, so a client resumes its session whichever worker (or, behind one
 * VIP, whichever process) it reaches. `TicketKeyRing` is the control plane's: a new random key
 * every rotation, the one before kept so that tickets it made still resume (they are then
 * re-issued under the new key); older keys are gone, so a ticket lives at most two rotations
 * (forward secrecy is bounded by that, as with nginx's rotated `ssl_session_ticket_key` files).
 *
 * `useTicketKeys` is a data plane's: Node's public `setTicketKeys` takes one key, so a rotation
 * through it would drop every ticket in flight. The secure context's ticket-key callback (the
 * one Node's own tests drive: `enableTicketKeyCallback`, `onticketkeycallback(name, iv, enc)`
 * answering `[result, hmacKey, aesKey, name, iv]`) lets both keys decrypt; where a Node build
 * lacks it, the current key alone is set and the fallback is logged once. The callback runs on
 * the server's own context (OpenSSL takes ticket keys from the context a connection started
 * with, whatever SNI context it switches to), so it is set again whenever that context is
 * replaced.
 */
import { randomBytes } from "node:crypto";
import type { TicketKeys } from "./tls-material.ts";

const KEY_BYTES = 48;

export class TicketKeyRing {
  #keys: TicketKeys;
  readonly #random: (bytes: number) => Uint8Array;

  constructor(random: (bytes: number) => Uint8Array = randomBytes) {
    this.#random = random;
    this.#keys = { current: this.#fresh() };
  }

  get keys(): TicketKeys {
    return this.#keys;
  }

  /** A new current key; the current one becomes the previous; the previous is forgotten. */
  rotate(): TicketKeys {
    this.#keys = { current: this.#fresh(), previous: this.#keys.current };
    return this.#keys;
  }

  #fresh(): Uint8Array {
    const key = this.#random(KEY_BYTES);
    if (key.length !== KEY_BYTES) throw new RangeError(`a ticket key is ${KEY_BYTES} bytes`);
    return key;
  }
}

/** What `useTicketKeys` needs of a tls.Server (node:tls keeps its context there). */
interface TicketServer {
  setTicketKeys(keys: Buffer): void;
  _sharedCreds?: { context?: TicketContext };
}

interface TicketContext {
  enableTicketKeyCallback?: () => void;
  onticketkeycallback?: (name: Buffer, iv: Buffer, encrypt: boolean) => unknown[];
}

/** OpenSSL's answers to the ticket-key callback. */
const NOT_FOUND = 0;
const FOUND = 1;
const FOUND_RENEW = 2;
const PART = 16;

/**
 * Serves `keys` on `server`'s own context; returns false when only the current key could be
 * set (no callback in this Node).
 */
export function useTicketKeys(server: TicketServer, keys: TicketKeys): boolean {
  const context = server._sharedCreds?.context;
  if (!context?.enableTicketKeyCallback) {
    server.setTicketKeys(Buffer.from(keys.current));
    return false;
  }
  const current = Buffer.from(keys.current);
  const previous = keys.previous && Buffer.from(keys.previous);
  context.enableTicketKeyCallback();
  context.onticketkeycallback = (name, _iv, encrypt) => {
    if (encrypt) return [FOUND, ...secrets(current), current.subarray(0, PART), randomBytes(PART)];
    if (name.equals(current.subarray(0, PART))) return [FOUND, ...secrets(current)];
    if (previous && name.equals(previous.subarray(0, PART)))
      return [FOUND_RENEW, ...secrets(previous)];
    // Unknown (older than two rotations): a full handshake. The key bytes are not used.
    return [NOT_FOUND, Buffer.alloc(PART), Buffer.alloc(PART)];
  };
  return true;
}

/** The HMAC secret and the AES key of a 48-byte key. */
function secrets(key: Buffer): [Buffer, Buffer] {
  return [key.subarray(PART, 2 * PART), key.subarray(2 * PART, 3 * PART)];
}
