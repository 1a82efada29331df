/**
 * Site states as numbers, worst last, for the panels that show "the worst state any gateway
 * sees": one expression turns the one-hot gauge gateway_site_state{site,state} into a code
 * per site, and a value mapping turns the code back into the state's name and colour.
 */
import { valueText } from "./grafana-panels.ts";

/** The site states as numbers, worst last: the "worst state any gateway sees" panels. */
const STATES = [
  ["healthy", "green"],
  ["degraded", "yellow"],
  ["draining", "blue"],
  ["down", "red"],
  ["compromised", "purple"],
] as const;

export const STATE_MAPPINGS = valueText(STATES.map(([state, color], i) => [i, state, color]));

/** Per site, the worst state (highest code) among the series `selector` selects. */
export function worstStateExpr(selector: string): string {
  const terms = STATES.map(
    ([state], i) => `(gateway_site_state{${selector}state="${state}"} == 1) * ${i}`,
  );
  return `max by (site) (${terms.join(" or ")})`;
}
