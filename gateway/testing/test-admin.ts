/** The admin token of test gateways, and an ops override sent with it (test-only). */

/** The admin token test gateways get unless a test names its own. */
export const TEST_ADMIN_TOKEN = "test-admin-token-for-changes";

/** A POST to a test gateway's admin API with its token (an ops override). */
export const adminPost = (url: string, token = TEST_ADMIN_TOKEN): Promise<Response> =>
  fetch(url, { method: "POST", headers: { authorization: `Bearer ${token}` } });
