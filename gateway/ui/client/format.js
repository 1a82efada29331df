/**
 * Numbers and states in words, for the page (pure: no DOM).
 */

/**
 * A share 0..1 as a percentage; "–" for none.
 * @param {number | null | undefined} share
 */
export function percent(share) {
  if (share === null || share === undefined || !Number.isFinite(share)) return "–";
  const value = share * 100;
  return `${value >= 10 || value === 0 ? value.toFixed(0) : value.toFixed(1)}%`;
}

/**
 * Milliseconds, one decimal under 10 ms.
 * @param {number | null | undefined} value
 */
export function millis(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  return `${value < 10 ? value.toFixed(1) : value.toFixed(0)} ms`;
}

/**
 * What each display state means, for titles and the legend.
 * @type {Readonly<Record<string, string>>}
 */
export const STATE_TEXT = Object.freeze({
  healthy: "healthy",
  degraded: "degraded: part of its share spills to the hubs",
  draining: "draining (ops): no new traffic",
  down: "down: no traffic",
  compromised: "compromised (ops/security): never routed to",
  unreachable: "its gateway cannot be read: state not known",
  unknown: "state not known",
});

/**
 * The words for a state (the state itself when it is not a known one).
 * @param {string} state
 */
export function stateText(state) {
  return Object.hasOwn(STATE_TEXT, state) ? (STATE_TEXT[state] ?? state) : state;
}

/**
 * The share of `service` a reading gives a site, 0 when it has none.
 * @param {{ share: Readonly<Record<string, number>> } | undefined} reading
 * @param {string} service
 */
export function shareOf(reading, service) {
  const value = reading?.share[service];
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/**
 * An ISO time as "HH:MM:SS" with the date when it is not today's; the text as it came when
 * it is not a time.
 * @param {string | null} iso
 * @param {Date} [today]
 */
export function when(iso, today = new Date()) {
  if (!iso) return "–";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const time = at.toISOString().slice(11, 19);
  const sameDay = at.toISOString().slice(0, 10) === today.toISOString().slice(0, 10);
  return sameDay ? `${time}Z` : `${at.toISOString().slice(0, 10)} ${time}Z`;
}
