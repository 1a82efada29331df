/**
 * The admin API's bearer token for `gateway serve`: the value of the env var the boot names
 * (`admin.tokenEnv`, default GATEWAY_ADMIN_TOKEN) when it is set, else the token kept in
 * `<stateDirectory>/admin-token`, generated at the first start: 32 random bytes as base64url,
 * file mode 0600. It is written to a temporary file and linked into place, which fails if the
 * file exists, so workers starting together agree on one token and none is ever overwritten.
 * Without a token (the directory cannot be written, the file is not a token) the gateway runs
 * with every mutation refused, and says so once.
 */
import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const TOKEN_FILE = "admin-token";
const TOKEN = /^[A-Za-z0-9._~+/=-]{16,512}$/;

export interface TokenSources {
  readonly admin: { readonly tokenEnv: string };
  readonly stateDirectory: string;
}

export function adminToken(
  boot: TokenSources,
  env: Readonly<Record<string, string | undefined>>,
  warn: (line: string) => void,
): string | undefined {
  const fromEnv = env[boot.admin.tokenEnv];
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  const file = join(boot.stateDirectory, TOKEN_FILE);
  try {
    const token = readOrCreate(boot.stateDirectory, file);
    if (TOKEN.test(token)) return token;
    warn(`gateway: ${file} does not hold a token; admin changes are refused until it does`);
  } catch (error) {
    warn(
      `gateway: no admin token (${boot.admin.tokenEnv} unset, ${file}: ${(error as Error).message}); admin changes are refused`,
    );
  }
  return undefined;
}

function readOrCreate(directory: string, file: string): string {
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
  try {
    linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
  return readFileSync(file, "utf8").trim();
}
