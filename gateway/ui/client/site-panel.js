/**
 * The panel of one site: its state over the fleet, and as the chosen gateway reads it —
 * health, dial, RTT, traffic share per service, breaker, backends — its ops overrides with
 * who, when and why, and the buttons for drain, compromise and restore (actions.js asks first).
 */
import { el } from "./dom.js";
import { millis, percent, stateText, when } from "./format.js";

/** @typedef {import("../ops-view.ts").OpsView} OpsView */
/** @typedef {import("../gateway-rows.ts").SiteReading} SiteReading */

/**
 * @param {OpsView} view
 * @param {string} siteId
 * @param {string} from the gateway whose reading is shown
 * @param {(site: string, action: "drain" | "compromise" | "restore") => void} onAction
 * @returns {HTMLElement}
 */
export function sitePanel(view, siteId, from, onAction) {
  const site = view.sites.find((s) => s.id === siteId);
  if (!site) return el("p", { class: "hint" }, `No site "${siteId}" in this view.`);
  const gateway = view.gateways.find((g) => g.id === from);
  const reading = gateway?.sites[siteId];
  return el(
    "section",
    { class: "site-panel", "data-site": site.id, "data-state": site.state },
    el("h2", {}, `${site.name} `, el("small", {}, `${site.id} · ${site.tier}`)),
    el(
      "p",
      { class: "state-line" },
      el("span", { class: "badge", "data-state": site.state }, site.state),
      ` ${stateText(site.state)}`,
    ),
    facts([
      ["country", site.country ?? "–"],
      ["capacity", site.capacity === null ? "–" : `${site.capacity} concurrent requests`],
      ["its gateway", standingText(site.gateway)],
    ]),
    seenAs(view, site),
    el("h3", {}, `As gateway ${from} reads it`),
    reading ? readingFacts(reading, view.services) : el("p", { class: "hint" }, "no reading"),
    reading ? backends(reading) : null,
    el("h3", {}, "Ops overrides"),
    reading ? overrides(reading) : null,
    actions(site.id, onAction),
  );
}

/** @param {string} standing */
function standingText(standing) {
  switch (standing) {
    case "up":
      return "answers";
    case "unreachable":
      return "UNREACHABLE: cannot be read";
    case "missing":
      return "MISSING: not found in the fleet";
    default:
      return "not watched (this gateway's view only)";
  }
}

/** @param {[string, string][]} rows */
function facts(rows) {
  return el(
    "dl",
    { class: "facts" },
    ...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]),
  );
}

/**
 * @param {OpsView} view
 * @param {import("../ops-view.ts").ViewSite} site
 */
function seenAs(view, site) {
  if (view.mode !== "fleet") return null;
  const entries = Object.entries(site.seenAs);
  return el(
    "details",
    { class: "seen-as", open: site.disagree },
    el(
      "summary",
      {},
      site.disagree ? "Gateways disagree about it" : `Every gateway (${entries.length}) agrees`,
    ),
    el(
      "ul",
      {},
      ...entries.map(([gateway, state]) =>
        el("li", {}, `${gateway}: `, el("span", { class: "badge", "data-state": state }, state)),
      ),
    ),
  );
}

/**
 * @param {SiteReading} reading
 * @param {readonly string[]} services
 */
function readingFacts(reading, services) {
  return facts([
    ["state", reading.state],
    ["health", percent(reading.health)],
    ["dial", percent(reading.dial)],
    ["RTT from it", millis(reading.rttMs)],
    ...services.map(
      (s) => /** @type {[string, string]} */ ([`share of ${s}`, percent(reading.share[s] ?? 0)]),
    ),
    ["breaker", reading.breaker ?? "–"],
  ]);
}

/** @param {SiteReading} reading */
function backends(reading) {
  if (reading.backends.length === 0) return el("p", { class: "hint" }, "no backends");
  return el(
    "table",
    { class: "backends" },
    el(
      "thead",
      {},
      el("tr", {}, el("th", {}, "backend"), el("th", {}, "breaker"), el("th", {}, "in flight")),
    ),
    el(
      "tbody",
      {},
      ...reading.backends.map((b) =>
        el(
          "tr",
          {},
          el("td", {}, b.address),
          el("td", { "data-breaker": b.breaker ?? "" }, b.breaker ?? "–"),
          el("td", {}, b.outstanding ?? "–"),
        ),
      ),
    ),
  );
}

/** @param {SiteReading} reading */
function overrides(reading) {
  if (reading.overrides.length === 0) return el("p", { class: "hint" }, "none");
  return el(
    "ul",
    { class: "overrides" },
    ...reading.overrides.map((o) =>
      el(
        "li",
        {},
        el("strong", {}, o.what.join(", ") || "no effect"),
        o.scope ? ` (${o.scope})` : "",
        el("br"),
        o.who || o.at
          ? `by ${o.who ?? "?"} at ${when(o.at)}`
          : "who and when: not in this gateway's /sites (see its log)",
        o.why ? el("br") : null,
        o.why ? `why: ${o.why}` : null,
        o.expiresAt ? el("br") : null,
        o.expiresAt ? `until ${when(o.expiresAt)}` : null,
      ),
    ),
  );
}

/**
 * @param {string} siteId
 * @param {(site: string, action: "drain" | "compromise" | "restore") => void} onAction
 */
function actions(siteId, onAction) {
  /** @param {"drain" | "compromise" | "restore"} action @param {string} label */
  const button = (action, label) => {
    const b = el(
      "button",
      { type: "button", class: `action ${action}`, "data-action": action },
      label,
    );
    b.addEventListener("click", () => onAction(siteId, action));
    return b;
  };
  return el(
    "div",
    { class: "actions" },
    button("drain", "Drain…"),
    button("compromise", "Compromise…"),
    button("restore", "Restore…"),
  );
}
