/**
 * The admin token and the operator's name for this browser tab: asked once (actions.js),
 * kept in sessionStorage (gone when the tab closes), sent as `Authorization: Bearer …` and
 * `X-Ops-User`. Whether a gateway wants the token for a request is its business: the page
 * sends it whenever it has one.
 */

const TOKEN = "gateway-admin-token";
const USER = "gateway-ops-user";

export function token() {
  return sessionStorage.getItem(TOKEN) ?? "";
}

/** @param {string} value */
export function rememberToken(value) {
  if (value) sessionStorage.setItem(TOKEN, value);
  else sessionStorage.removeItem(TOKEN);
}

export function user() {
  return sessionStorage.getItem(USER) ?? "";
}

/** @param {string} value */
export function rememberUser(value) {
  if (value) sessionStorage.setItem(USER, value);
}

/** @returns {Record<string, string>} */
export function authHeaders() {
  const value = token();
  return value ? { authorization: `Bearer ${value}` } : {};
}
