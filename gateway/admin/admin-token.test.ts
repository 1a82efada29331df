// The admin token `gateway serve` uses: files in a temporary state directory, and a real
// serve process that generates one at its first start and keeps it across a restart.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { startBackend } from "../testing/fixtures.ts";
import { serveGateway } from "../testing/serve-process.ts";
import { adminToken, TOKEN_FILE } from "./admin-token.ts";

function stateDirectory(t: TestContext): string {
  const folder = mkdtempSync(join(tmpdir(), "admin-token-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  return join(folder, "state");
}

const boot = (dir: string) => ({ admin: { tokenEnv: "GATEWAY_ADMIN_TOKEN" }, stateDirectory: dir });

test("without the env var a token is generated at first start, mode 0600, and the same one read after", (t) => {
  const dir = stateDirectory(t);
  const warnings: string[] = [];
  const first = adminToken(boot(dir), {}, (l) => warnings.push(l));
  assert.match(first ?? "", /^[A-Za-z0-9_-]{43}$/);
  assert.equal(statSync(join(dir, TOKEN_FILE)).mode & 0o777, 0o600);
  assert.equal(
    adminToken(boot(dir), {}, (l) => warnings.push(l)),
    first,
  );
  assert.deepEqual(warnings, []);
});

test("the env var the boot names wins over the file, and an empty one counts as unset", (t) => {
  const dir = stateDirectory(t);
  const fromFile = adminToken(boot(dir), {}, () => {});
  assert.equal(
    adminToken(boot(dir), { GATEWAY_ADMIN_TOKEN: "from-the-environment" }, () => {}),
    "from-the-environment",
  );
  assert.equal(
    adminToken(boot(dir), { GATEWAY_ADMIN_TOKEN: "" }, () => {}),
    fromFile,
  );
});

test("a file that is not a token gives no token and a warning; it is not overwritten", (t) => {
  const dir = stateDirectory(t);
  adminToken(boot(dir), {}, () => {});
  writeFileSync(join(dir, TOKEN_FILE), "short\n");
  const warnings: string[] = [];
  assert.equal(
    adminToken(boot(dir), {}, (l) => warnings.push(l)),
    undefined,
  );
  assert.match(warnings.join(), /does not hold a token/);
  assert.equal(readFileSync(join(dir, TOKEN_FILE), "utf8"), "short\n");
});

test("a state directory that cannot be written gives no token and one clear warning", (t) => {
  // Under a regular file: no directory can be made there, not even by root (ENOTDIR).
  const file = join(stateDirectory(t), "..", "a-file");
  writeFileSync(file, "");
  const dir = join(file, "state");
  const warnings: string[] = [];
  assert.equal(
    adminToken(boot(dir), {}, (l) => warnings.push(l)),
    undefined,
  );
  assert.equal(warnings.length, 1);
  assert.match(warnings[0] ?? "", /admin changes are refused/);
});

test("gateway serve generates its token in the state directory at first start, keeps it after a restart, and changes need it", async (t) => {
  const backend = await startBackend("here-1");
  t.after(() => backend.kill());
  const folder = mkdtempSync(join(tmpdir(), "serve-token-"));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const first = serveGateway(t, backend.address, { folder });
  const { admin } = await first.urls();
  const token = readFileSync(join(folder, "state", TOKEN_FILE), "utf8").trim();
  const post = (auth?: string) =>
    fetch(`${admin}/sites/here/drain`, {
      method: "POST",
      headers: auth ? { authorization: auth } : {},
    });
  assert.equal((await post()).status, 401);
  assert.equal((await post("Bearer not-the-token-at-all")).status, 401);
  assert.equal((await post(`Bearer ${token}`)).status, 200);
  first.child.kill("SIGKILL");
  const second = serveGateway(t, backend.address, { folder });
  const restarted = await second.urls();
  assert.equal(readFileSync(join(folder, "state", TOKEN_FILE), "utf8").trim(), token);
  const again = await fetch(`${restarted.admin}/sites/here/restore`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(again.status, 200);
});
