/**
 * The two tables under the map: every site as the chosen gateway reads it (the same facts as
 * `gateway status`), and every gateway of the view — reachable or why not, snapshot version,
 * workers, a refused config — where a click picks the gateway whose traffic the map shows.
 */
import { el } from "./dom.js";
import { millis, percent, shareOf } from "./format.js";

/** @typedef {import("../ops-view.ts").OpsView} OpsView */

/**
 * @param {OpsView} view
 * @param {{ from: string, service: string, selected: string | null, onSelect: (id: string) => void }} options
 */
export function sitesTable(view, options) {
  const gateway = view.gateways.find((g) => g.id === options.from);
  const head = [
    "site",
    "name",
    "state",
    "health",
    "dial",
    `share (${options.service})`,
    "breaker",
    "RTT",
  ];
  return el(
    "table",
    { class: "sites-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      ...view.sites.map((site) => {
        const reading = gateway?.sites[site.id];
        const row = el(
          "tr",
          { "data-site": site.id, class: site.id === options.selected ? "selected" : undefined },
          el("td", {}, site.id),
          el("td", {}, site.name),
          el("td", {}, el("span", { class: "badge", "data-state": site.state }, site.state)),
          el("td", {}, percent(reading?.health)),
          el("td", {}, percent(reading?.dial)),
          el("td", {}, percent(shareOf(reading, options.service))),
          el("td", {}, reading?.breaker ?? "–"),
          el("td", {}, millis(reading?.rttMs)),
        );
        row.addEventListener("click", () => options.onSelect(site.id));
        return row;
      }),
    ),
  );
}

/**
 * @param {OpsView} view
 * @param {{ from: string, onFrom: (id: string) => void }} options
 */
export function gatewaysTable(view, options) {
  const head = ["gateway", "answers", "snapshot", "workers", "config", "its own site"];
  return el(
    "table",
    { class: "gateways-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, h)))),
    el(
      "tbody",
      {},
      ...view.gateways.map((g) => {
        const own = g.sites[g.ingress];
        const row = el(
          "tr",
          {
            "data-gateway": g.id,
            "data-reachable": String(g.reachable),
            class: g.id === options.from ? "selected" : undefined,
            title: g.reachable ? "show this gateway's traffic on the map" : undefined,
          },
          el("td", {}, g.id),
          el(
            "td",
            { class: g.reachable ? "" : "unreachable" },
            g.reachable ? "yes" : `UNREACHABLE: ${g.error ?? ""}`,
          ),
          el("td", {}, g.snapshotVersion === null ? "–" : `v${g.snapshotVersion}`),
          el("td", {}, g.workers ?? "–"),
          el(
            "td",
            { class: g.rejectedConfig ? "unreachable" : "" },
            g.rejectedConfig ? "REFUSED (last good serving)" : "ok",
          ),
          el(
            "td",
            {},
            own ? el("span", { class: "badge", "data-state": own.state }, own.state) : "–",
          ),
        );
        if (g.reachable) row.addEventListener("click", () => options.onFrom(g.id));
        return row;
      }),
    ),
  );
}
