// The retry loop and the client's problem read one table: for every code in it, outcomeOf and
// toGatewayError say what the table says. Regression: UND_ERR_CLOSED was retried as a reset
// but answered as `internal`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { toGatewayError } from "../errors/error-catalogue.ts";
import { TRANSPORT_ERRORS } from "../errors/transport-errors.ts";
import { outcomeOf } from "./proxy.ts";

const coded = (code: string) => Object.assign(new Error(`failed: ${code}`), { code });

for (const [code, meaning] of Object.entries(TRANSPORT_ERRORS)) {
  test(`${code}: the retry loop reads ${meaning.outcome}, the client gets ${meaning.problem}`, () => {
    const outcome = outcomeOf(coded(code));
    assert.deepEqual(
      outcome,
      meaning.outcome === "after-response" ? undefined : { kind: meaning.outcome },
    );
    assert.equal(toGatewayError(coded(code)).code, meaning.problem);
  });
}

test("UND_ERR_CLOSED is an upstream reset for the client, not an internal error", () => {
  assert.equal(toGatewayError(coded("UND_ERR_CLOSED")).code, "upstream_reset");
});

test("an llhttp parser code is a bad response, never retried", () => {
  assert.equal(outcomeOf(coded("HPE_INVALID_CONSTANT")), undefined);
  assert.equal(toGatewayError(coded("HPE_INVALID_CONSTANT")).code, "upstream_bad_response");
});
