/**
 * Drain, compromise, restore: each asks first (a dialog naming the site and what the action
 * does), then POSTs to the admin API with the admin token and the operator's name. The token
 * is asked once per tab (token.js); a refused one is forgotten so the next try asks again.
 */
import { byId } from "./dom.js";
import { authHeaders, rememberToken, rememberUser, token, user } from "./token.js";

/** @typedef {"drain" | "compromise" | "restore"} Action */

const EFFECT = {
  drain: "No new traffic goes to it; requests in flight finish. Every gateway applies it.",
  compromise:
    "Never route to it again, not even in panic, until it is restored. Its gateway stops announcing. Every gateway applies it.",
  restore: "Clears its ops overrides: it takes traffic again as its health allows.",
};

/**
 * Wires the dialog once; returns what the site panel's buttons call.
 * @param {(message: string, ok: boolean) => void} report
 * @returns {(site: string, action: Action) => void}
 */
export function bindActions(report) {
  const dialog = /** @type {HTMLDialogElement} */ (byId("confirm-dialog"));
  const form = /** @type {HTMLFormElement} */ (byId("confirm-form"));
  const field = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (byId(id));
  /** @type {{ site: string, action: Action } | null} */
  let asked = null;
  byId("confirm-cancel").addEventListener("click", () => dialog.close());
  byId("confirm-forget").addEventListener("click", () => {
    rememberToken("");
    byId("confirm-token-row").hidden = false;
    byId("confirm-token-known").hidden = true;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!asked) return;
    const typed = field("confirm-token").value.trim();
    if (typed) rememberToken(typed);
    rememberUser(field("confirm-user").value.trim());
    const { site, action } = asked;
    asked = null;
    dialog.close();
    void send(site, action, field("confirm-why").value.trim(), report);
  });
  return (site, action) => {
    asked = { site, action };
    byId("confirm-title").textContent =
      `${action[0]?.toUpperCase()}${action.slice(1)} site ${site}?`;
    byId("confirm-text").textContent = EFFECT[action];
    field("confirm-user").value = user();
    field("confirm-why").value = "";
    field("confirm-token").value = "";
    byId("confirm-token-row").hidden = token() !== "";
    byId("confirm-token-known").hidden = token() === "";
    const ok = byId("confirm-ok");
    ok.textContent = `${action} ${site}`;
    ok.dataset.action = action;
    dialog.showModal();
  };
}

/**
 * @param {string} site
 * @param {Action} action
 * @param {string} why
 * @param {(message: string, ok: boolean) => void} report
 */
async function send(site, action, why, report) {
  const query = why ? `?${new URLSearchParams({ why })}` : "";
  report(`${action} ${site}: sending…`, true);
  try {
    const res = await fetch(`../sites/${encodeURIComponent(site)}/${action}${query}`, {
      method: "POST",
      headers: { ...authHeaders(), "x-ops-user": user() || "ops-view" },
      cache: "no-store",
    });
    const body = await res.json().catch(() => ({}));
    if (res.status === 401) rememberToken("");
    if (!res.ok) {
      const detail = body.detail ?? `answered ${res.status}`;
      const hint =
        res.status === 401 ? " (the token was forgotten: the next action asks again)" : "";
      return report(`${action} ${site} refused: ${detail}${hint}`, false);
    }
    report(
      `${action} ${site}: done by ${body.who ?? "?"}, snapshot v${body.snapshotVersion ?? "?"}`,
      true,
    );
  } catch (error) {
    report(`${action} ${site}: no answer (${/** @type {Error} */ (error).message})`, false);
  }
}
