/**
 * The world map: land and sea drawn once from /ui/map.json (the gateway projects them), then
 * on every view the sites — coloured by state (`data-state`), sized by capacity (the view's
 * `radius`), hubs outlined — and the traffic of one gateway for one service: an arrow to each
 * other site that takes a share of it (to a hub: a spill arrow), wider for a larger share,
 * and the share it keeps at home written at its own marker.
 */
import { svg } from "./dom.js";
import { percent, shareOf, stateText } from "./format.js";

/** @typedef {import("../ops-view.ts").OpsView} OpsView */
/** @typedef {import("../ops-view.ts").ViewSite} ViewSite */
/** @typedef {{ width: number, height: number, land: string, outline: string }} MapData */

/**
 * The map's fixed layers, made once.
 * @param {SVGSVGElement} root
 * @param {MapData} map
 */
export function drawLand(root, map) {
  root.setAttribute("viewBox", `0 0 ${map.width} ${map.height}`);
  const defs = svg(
    "defs",
    {},
    svg(
      "marker",
      {
        id: "arrow-head",
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerWidth: 5,
        markerHeight: 5,
        orient: "auto-start-reverse",
      },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }),
    ),
  );
  const flows = svg("g", { class: "flows" });
  const sites = svg("g", { class: "sites" });
  root.replaceChildren(
    defs,
    svg("path", { class: "sea", d: map.outline }),
    svg("path", { class: "land", d: map.land }),
    flows,
    sites,
  );
  return { flows, sites };
}

/**
 * @param {{ flows: SVGElement, sites: SVGElement }} layers
 * @param {OpsView} view
 * @param {{ from: string, service: string, selected: string | null, onSelect: (id: string) => void }} options
 */
export function drawSites(layers, view, options) {
  const from = view.gateways.find((g) => g.id === options.from);
  const home = view.sites.find((s) => s.id === from?.ingress);
  layers.flows.replaceChildren(...flows(view, home, from, options.service));
  layers.sites.replaceChildren(
    ...view.sites
      .filter((site) => site.x !== null && site.y !== null)
      .map((site) => marker(site, site.id === options.selected, options.onSelect)),
  );
  if (home && from) {
    const kept = shareOf(from.sites[home.id], options.service);
    layers.sites.append(
      svg(
        "text",
        { class: "home-share", x: home.x ?? 0, y: (home.y ?? 0) + home.radius + 12 },
        `${percent(kept)} here`,
      ),
    );
  }
}

/**
 * @param {OpsView} view
 * @param {ViewSite | undefined} home
 * @param {import("../ops-view.ts").ViewGateway | undefined} from
 * @param {string} service
 */
function flows(view, home, from, service) {
  if (!home || !from || home.x === null || home.y === null) return [];
  const [x1, y1] = [home.x, home.y];
  return view.sites.flatMap((site) => {
    const share = shareOf(from.sites[site.id], service);
    if (site.id === home.id || share <= 0 || site.x === null || site.y === null) return [];
    const [x2, y2] = [site.x, site.y];
    // A quadratic curve bowed to one side by a fifth of its length, so flows do not hide
    // each other or the land under a straight line.
    const [mx, my] = [(x1 + x2) / 2, (y1 + y2) / 2];
    const [cx, cy] = [mx - (y2 - y1) / 5, my + (x2 - x1) / 5];
    const spill = site.tier === "hub" && home.tier !== "hub";
    return [
      svg(
        "path",
        {
          class: spill ? "flow spill" : "flow",
          "data-to": site.id,
          d: `M${x1},${y1} Q${cx.toFixed(1)},${cy.toFixed(1)} ${x2},${y2}`,
          "stroke-width": (1 + 7 * share).toFixed(1),
          "marker-end": "url(#arrow-head)",
        },
        svg("title", {}, `${percent(share)} of ${service} from ${home.id} to ${site.id}`),
      ),
      svg(
        "text",
        { class: "flow-label", x: ((mx + cx) / 2).toFixed(1), y: ((my + cy) / 2).toFixed(1) },
        percent(share),
      ),
    ];
  });
}

/**
 * @param {ViewSite} site
 * @param {boolean} selected
 * @param {(id: string) => void} onSelect
 */
function marker(site, selected, onSelect) {
  const label = `${site.name} (${site.id}): ${stateText(site.state)}`;
  const group = svg(
    "g",
    {
      class: selected ? "site selected" : "site",
      "data-site": site.id,
      "data-state": site.state,
      "data-gateway": site.gateway,
      "data-tier": site.tier,
      tabindex: 0,
      role: "button",
      "aria-label": label,
    },
    svg("title", {}, label),
    svg("circle", { class: "marker", cx: site.x, cy: site.y, r: site.radius }),
    svg("text", { class: "site-label", x: site.x, y: (site.y ?? 0) - site.radius - 3 }, site.id),
  );
  group.addEventListener("click", () => onSelect(site.id));
  group.addEventListener("keydown", (event) => {
    if (/** @type {KeyboardEvent} */ (event).key === "Enter") onSelect(site.id);
  });
  return group;
}
