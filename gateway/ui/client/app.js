/**
 * The ops view's page: draws the map once, then follows the gateway's view over Server-Sent
 * Events (`events`, one whole view per event; the browser reconnects by itself) and redraws
 * the markers, flows, panel and tables from each. What the operator picked — a site, the
 * gateway whose traffic is shown, a service — survives every redraw.
 *
 * `?fleet=1` asks for every gateway of the fleet, `?fleet=0` for this gateway alone; without
 * it the gateway picks (the fleet when it knows one).
 */
import { bindActions } from "./actions.js";
import { byId, el, replace } from "./dom.js";
import { bindExplainForm } from "./explain-form.js";
import { drawLand, drawSites } from "./map.js";
import { sitePanel } from "./site-panel.js";
import { gatewaysTable, sitesTable } from "./tables.js";

/** @typedef {import("../ops-view.ts").OpsView} OpsView */

/**
 * What the page holds: the last view, and what the operator picked in it.
 * @type {{ view: OpsView | null, layers: ReturnType<typeof drawLand> | null,
 *   selected: string | null, from: string | null, service: string | null }}
 */
const picked = { view: null, layers: null, selected: null, from: null, service: null };

async function start() {
  const fleet = new URLSearchParams(location.search).get("fleet");
  const query = fleet === null ? "" : `?fleet=${fleet === "0" ? "0" : "1"}`;
  const onAction = bindActions(report);
  bindExplainForm();
  const service = /** @type {HTMLSelectElement} */ (byId("service"));
  service.addEventListener("change", () => {
    picked.service = service.value;
    render(onAction);
  });
  const map = await (await fetch("map.json")).json();
  picked.layers = drawLand(
    /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId("map"))),
    map,
  );
  const events = new EventSource(`events${query}`);
  events.addEventListener("view", (event) => {
    picked.view = JSON.parse(/** @type {MessageEvent} */ (event).data);
    render(onAction);
    live(`live · updated ${new Date().toLocaleTimeString()}`, true);
  });
  events.addEventListener("open", () => live("live", true));
  events.addEventListener("error", () => live("connection lost: reconnecting…", false));
}

/** @param {(site: string, action: "drain" | "compromise" | "restore") => void} onAction */
function render(onAction) {
  const { view, layers } = picked;
  if (!view || !layers) return;
  const readable = view.gateways.filter((g) => g.reachable);
  if (!readable.some((g) => g.id === picked.from))
    picked.from = readable.find((g) => g.id === view.self)?.id ?? readable[0]?.id ?? view.self;
  if (!picked.service || !view.services.includes(picked.service))
    picked.service = view.services[0] ?? "";
  const from = picked.from ?? view.self;
  const service = picked.service ?? "";
  const onSelect = (/** @type {string} */ id) => {
    picked.selected = id;
    render(onAction);
  };
  const onFrom = (/** @type {string} */ id) => {
    picked.from = id;
    render(onAction);
  };
  document.body.dataset.mode = view.mode;
  header(view, from);
  services(view.services, service);
  drawSites(layers, view, { from, service, selected: picked.selected, onSelect });
  byId("map").dataset.sites = String(view.sites.length);
  const { selected } = picked;
  const site = view.sites.find((s) => s.id === selected);
  const reading = view.gateways.find((g) => g.id === from)?.sites[selected ?? ""];
  update("panel", [site, reading, from, view.mode, view.services], () =>
    selected
      ? sitePanel(view, selected, from, onAction)
      : el("p", { class: "hint" }, "Pick a site on the map or in the table."),
  );
  update("sites", [view.sites, view.gateways.find((g) => g.id === from), service, selected], () =>
    sitesTable(view, { from, service, selected, onSelect }),
  );
  update(
    "gateways",
    [view.gateways.map(({ sites, ...g }) => [g, sites[g.ingress]?.state]), from],
    () => gatewaysTable(view, { from, onFrom }),
  );
  document.body.dataset.ready = "true";
}

/** What each part of the page was last drawn from: a part whose facts did not change stays. */
const drawnFrom = new Map();

/**
 * Redraws the element `id` from `build` only when `facts` differ from the last drawing's, so
 * a button, an open detail or a selection under the operator's hand is not replaced for nothing.
 * @param {string} id
 * @param {unknown} facts
 * @param {() => Node} build
 */
function update(id, facts, build) {
  const key = JSON.stringify(facts);
  if (drawnFrom.get(id) === key) return;
  drawnFrom.set(id, key);
  replace(byId(id), build());
}

/**
 * @param {OpsView} view
 * @param {string} from
 */
function header(view, from) {
  const down = view.gateways.filter((g) => !g.reachable).length;
  const fleet = view.mode === "fleet";
  byId("mode").textContent = fleet
    ? `Fleet: ${view.gateways.length} gateways${down ? `, ${down} UNREACHABLE` : ""} · traffic from ${from}`
    : `Gateway ${view.self} · traffic from here`;
  const other = /** @type {HTMLAnchorElement} */ (byId("mode-switch"));
  other.href = fleet ? "?fleet=0" : "?fleet=1";
  other.textContent = fleet ? "this gateway only" : "whole fleet";
  replace(byId("problems"), ...view.problems.map((p) => el("p", { class: "error" }, p)));
}

/**
 * @param {readonly string[]} names
 * @param {string} chosen
 */
function services(names, chosen) {
  const select = /** @type {HTMLSelectElement} */ (byId("service"));
  const current = [...select.options].map((o) => o.value);
  if (current.join() !== names.join())
    select.replaceChildren(...names.map((name) => el("option", { value: name }, name)));
  select.value = chosen;
}

/**
 * @param {string} text
 * @param {boolean} ok
 */
function live(text, ok) {
  const status = byId("live");
  status.textContent = text;
  status.dataset.ok = String(ok);
}

/**
 * @param {string} message
 * @param {boolean} ok
 */
function report(message, ok) {
  const status = byId("action-status");
  status.textContent = message;
  status.dataset.ok = String(ok);
}

start().catch((error) => live(`the page could not start: ${error.message}`, false));
