// I/O: /sites of a real gateway whose latest config was refused with a flood of long errors
// (what a 10 MB garbage policy gives): the report stays small and says how many there were.
import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestWorld } from "../testing/fixtures.ts";
import { SHOWN_CHARS, SHOWN_ERRORS } from "./sites-report.ts";

test("/sites shows at most SHOWN_ERRORS errors of a refused config, each cut, and the full count", async (t) => {
  const w = await startTestWorld({ sites: [{ id: "bue", tier: "hub" }] });
  t.after(() => w.close());
  const gateway = w.gateway("bue");
  const garbage = "g".repeat(10_000);
  gateway.state.reject(
    Array.from({ length: 1_000 }, (_, i) => ({
      file: "/etc/gateway/policy.yaml",
      line: i + 1,
      column: 1,
      path: `services[${i}].${garbage}`,
      message: `unexpected ${garbage}`,
    })),
  );
  const text = await (await fetch(`${gateway.adminUrl}/sites`)).text();
  assert.ok(text.length < 64 * 1024, `/sites is ${text.length} bytes`);
  const report = JSON.parse(text) as {
    rejectedConfig: {
      errorCount: number;
      errors: { line: number; message: string; path: string }[];
    };
  };
  assert.equal(report.rejectedConfig.errorCount, 1_000);
  assert.equal(report.rejectedConfig.errors.length, SHOWN_ERRORS);
  assert.deepEqual(
    report.rejectedConfig.errors.map((e) => e.line),
    Array.from({ length: SHOWN_ERRORS }, (_, i) => i + 1),
  );
  for (const e of report.rejectedConfig.errors) {
    assert.ok(e.message.startsWith("unexpected ggg"));
    assert.ok(e.message.length < SHOWN_CHARS + 40, `${e.message.length} chars`);
    assert.match(e.path, /… \(\d+ chars\)$/);
  }
});
