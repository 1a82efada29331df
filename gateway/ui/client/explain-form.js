/**
 * The explain form: a client address (and optionally a host) → `GET /explain`, the decision
 * this gateway would make for it, with the reasons of every candidate and every exclusion.
 */
import { byId, el, replace } from "./dom.js";
import { millis, percent } from "./format.js";
import { authHeaders } from "./token.js";

/**
 * @typedef {{ site: string, name?: string, state?: string, weight: number, costMs?: number, reasons?: string[] }} Candidate
 * @typedef {{ chosen?: string | null, service?: string, ingress?: string, panic?: boolean,
 *   blocked?: string | null, client?: Record<string, unknown>, candidates?: Candidate[],
 *   excluded?: { site: string, reason: string }[], pin?: string[] | null,
 *   residency?: { rule?: string } | null, detail?: string }} Explanation
 */

export function bindExplainForm() {
  const form = /** @type {HTMLFormElement} */ (byId("explain-form"));
  const result = byId("explain-result");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const ip = /** @type {HTMLInputElement} */ (byId("explain-ip")).value.trim();
    const host = /** @type {HTMLInputElement} */ (byId("explain-host")).value.trim();
    const query = new URLSearchParams({ ip });
    if (host) query.set("host", host);
    result.dataset.state = "asking";
    replace(result, el("p", { class: "hint" }, "asking…"));
    try {
      const res = await fetch(`../explain?${query}`, { headers: authHeaders(), cache: "no-store" });
      /** @type {Explanation} */
      const body = await res.json();
      result.dataset.state = res.ok ? "answered" : "refused";
      result.dataset.chosen = body.chosen ?? "";
      replace(
        result,
        res.ok
          ? explanation(body)
          : el("p", { class: "error" }, body.detail ?? `answered ${res.status}`),
      );
    } catch (error) {
      result.dataset.state = "failed";
      replace(
        result,
        el("p", { class: "error" }, `no answer: ${/** @type {Error} */ (error).message}`),
      );
    }
  });
}

/** @param {Explanation} body */
function explanation(body) {
  const client = body.client ?? {};
  const where = ["country", "region", "continent"]
    .map((k) => client[k])
    .filter(Boolean)
    .join(", ");
  return el(
    "div",
    {},
    el(
      "p",
      { class: "verdict" },
      body.chosen ? "→ " : "",
      el("strong", {}, body.chosen ?? `blocked: ${body.blocked ?? "no site"}`),
      ` (service ${body.service ?? "?"}, ingress ${body.ingress ?? "?"}; client ${where || "location unknown"})`,
    ),
    body.panic ? el("p", { class: "error" }, "PANIC: too few sites usable, health ignored") : null,
    body.residency?.rule ? el("p", {}, `residency rule: ${body.residency.rule}`) : null,
    body.pin ? el("p", {}, `geo pin: ${body.pin.join(" → ")}`) : null,
    el(
      "table",
      { class: "candidates" },
      el(
        "thead",
        {},
        el("tr", {}, ...["site", "weight", "cost", "reasons"].map((h) => el("th", {}, h))),
      ),
      el(
        "tbody",
        {},
        ...(body.candidates ?? []).map((c) =>
          el(
            "tr",
            { "data-site": c.site },
            el("td", {}, c.site),
            el("td", {}, percent(c.weight)),
            el("td", {}, millis(c.costMs)),
            el("td", {}, (c.reasons ?? []).join("; ")),
          ),
        ),
      ),
    ),
    (body.excluded ?? []).length > 0
      ? el(
          "details",
          {},
          el("summary", {}, `${body.excluded?.length} excluded`),
          el("ul", {}, ...(body.excluded ?? []).map((x) => el("li", {}, `${x.site}: ${x.reason}`))),
        )
      : null,
  );
}
