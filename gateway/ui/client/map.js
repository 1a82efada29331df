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
  const head = (/** @type {string} */ id, /** @type {string} */ kind) =>
    svg(
      "marker",
      {
        id,
        viewBox: "0 0 10 10",
        refX: 9,
        refY: 5,
        markerUnits: "userSpaceOnUse",
        markerWidth: 9,
        markerHeight: 9,
        orient: "auto-start-reverse",
      },
      svg("path", { d: "M0,0 L10,5 L0,10 z", class: kind }),
    );
  const defs = svg(
    "defs",
    {},
    head("arrow-head", "arrow-head"),
    head("spill-head", "arrow-head spill"),
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
 * Markers are updated in place (one per site, found by `data-site`), so a marker under the
 * pointer or the keyboard focus stays the same element from one view to the next; the flows
 * are drawn anew.
 * @param {{ flows: SVGElement, sites: SVGElement }} layers
 * @param {OpsView} view
 * @param {{ from: string, service: string, selected: string | null, onSelect: (id: string) => void }} options
 */
export function drawSites(layers, view, options) {
  const from = view.gateways.find((g) => g.id === options.from);
  const home = view.sites.find((s) => s.id === from?.ingress);
  layers.flows.replaceChildren(...flows(view, home, from, options.service));
  const placed = view.sites.filter((site) => site.x !== null && site.y !== null);
  /** @type {Map<string, Element>} */
  const existing = new Map();
  for (const node of layers.sites.querySelectorAll("g.site"))
    existing.set(node.getAttribute("data-site") ?? "", node);
  for (const [id, node] of existing) if (!placed.some((s) => s.id === id)) node.remove();
  // New markers go in largest first, so a small site next to a large one stays clickable.
  const bySize = [...placed].sort((a, b) => b.radius - a.radius);
  for (const site of bySize) {
    const node = existing.get(site.id) ?? newMarker(layers.sites, site.id, options.onSelect);
    updateMarker(node, site, site.id === options.selected);
  }
  layers.sites.querySelector(".home-share")?.remove();
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
    // A quadratic curve bowed to one side by a fifth of its length, so flows do not hide
    // each other or the land under a straight line; it ends at the target marker's edge.
    const [mx, my] = [(x1 + site.x) / 2, (y1 + site.y) / 2];
    const [cx, cy] = [mx - (site.y - y1) / 5, my + (site.x - x1) / 5];
    const length = Math.hypot(site.x - cx, site.y - cy) || 1;
    const back = site.radius + 2;
    const x2 = site.x - ((site.x - cx) / length) * back;
    const y2 = site.y - ((site.y - cy) / length) * back;
    const spill = site.tier === "hub" && home.tier !== "hub";
    return [
      svg(
        "path",
        {
          class: spill ? "flow spill" : "flow",
          "data-to": site.id,
          d: `M${x1},${y1} Q${cx.toFixed(1)},${cy.toFixed(1)} ${x2.toFixed(1)},${y2.toFixed(1)}`,
          "stroke-width": (1 + 7 * share).toFixed(1),
          "marker-end": spill ? "url(#spill-head)" : "url(#arrow-head)",
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
 * @param {SVGElement} layer
 * @param {string} id
 * @param {(id: string) => void} onSelect
 */
function newMarker(layer, id, onSelect) {
  const group = svg(
    "g",
    { class: "site", "data-site": id, tabindex: 0, role: "button" },
    svg("title"),
    svg("circle", { class: "marker" }),
    svg("text", { class: "site-label" }, id),
  );
  group.addEventListener("click", () => onSelect(id));
  group.addEventListener("keydown", (event) => {
    if (/** @type {KeyboardEvent} */ (event).key === "Enter") onSelect(id);
  });
  layer.append(group);
  return group;
}

/**
 * @param {Element} node
 * @param {ViewSite} site
 * @param {boolean} selected
 */
function updateMarker(node, site, selected) {
  const label = `${site.name} (${site.id}): ${stateText(site.state)}`;
  const attributes = {
    class: selected ? "site selected" : "site",
    "data-state": site.state,
    "data-gateway": site.gateway,
    "data-tier": site.tier,
    "aria-label": label,
  };
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  const title = node.querySelector("title");
  if (title) title.textContent = label;
  const circle = node.querySelector("circle");
  circle?.setAttribute("cx", String(site.x));
  circle?.setAttribute("cy", String(site.y));
  circle?.setAttribute("r", String(site.radius));
  const text = node.querySelector("text");
  text?.setAttribute("x", String(site.x));
  text?.setAttribute("y", String((site.y ?? 0) - site.radius - 3));
}
