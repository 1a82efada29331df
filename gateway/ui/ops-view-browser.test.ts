/**
 * The ops view in a real browser (Debian's chromium through playwright-core) over the whole
 * demo world: sixteen gateways, the demo admin in front, fleet mode. Skipped where chromium is
 * not installed. The screenshot goes to a temporary folder and, with OPS_VIEW_SCREENSHOT=path,
 * to that path as well.
 */
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { test } from "node:test";
import type { Page } from "playwright-core";
import { startDemoWorld } from "../demo/demo-world.ts";
import { chromiumMissing, startBrowser } from "../testing/browser.ts";

const ZANZIBAR = "198.51.100.161";

const marker = (site: string, state?: string) =>
  `#map g.site[data-site="${site}"]${state ? `[data-state="${state}"]` : ""}`;

/** Every marker on the map as [site, state]. */
const markers = (page: Page) =>
  page.$$eval("#map g.site", (nodes) =>
    nodes.map((node) => [node.getAttribute("data-site"), node.getAttribute("data-state")]),
  );

test("the ops view in a real browser, over the demo world", {
  skip: chromiumMissing(),
}, async (t) => {
  const world = await startDemoWorld({ frontPort: 0, adminPort: 0, logLevel: "silent" });
  t.after(() => world.close());
  // The token every change needs where the admin API asks for one (the demo makes one per run
  // once it does); where it does not, any token is sent and ignored.
  const token = (world as { adminToken?: string }).adminToken ?? "ops-view-test-token";
  const browser = await startBrowser();
  t.after(() => browser.close());
  const page = await browser.context.newPage();
  const problems: string[] = [];
  const asked: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("request", (request) => asked.push(request.url()));
  await page.goto(`${world.adminUrl}/ui/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });

  await t.test("the map renders every site of the demo world, each in its state", async () => {
    const ids = world.catalogue.sites.map((s) => s.id).sort();
    const shown = await markers(page);
    assert.deepEqual(shown.map(([site]) => site).sort(), ids);
    assert.deepEqual(
      shown.filter(([, state]) => state !== "healthy"),
      [],
      "all healthy at the start",
    );
    assert.equal(await page.getAttribute("body", "data-mode"), "fleet");
    const land = await page.getAttribute("#map path.land", "d");
    assert.ok((land?.length ?? 0) > 10_000, "the land is drawn");
  });

  await t.test("the explain form answers with the decision the admin API gives", async () => {
    const api = await fetch(`${world.adminUrl}/explain?ip=${ZANZIBAR}`);
    const expected = ((await api.json()) as { chosen: string }).chosen;
    await page.fill("#explain-ip", ZANZIBAR);
    await page.click("#explain-form button[type=submit]");
    await page.waitForSelector("#explain-result[data-state=answered]", { timeout: 10_000 });
    assert.equal(await page.getAttribute("#explain-result", "data-chosen"), expected);
    const candidates = await page.$$eval("#explain-result tr[data-site]", (rows) =>
      rows.map((row) => row.getAttribute("data-site")),
    );
    assert.equal(candidates[0], expected);
  });

  await t.test("a compromise through the API turns that site's marker compromised", async () => {
    const res = await fetch(`${world.adminUrl}/sites/znz/compromise`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "x-ops-user": "browser-test" },
    });
    assert.equal(res.status, 200);
    const answered = performance.now();
    // The issue asks for 2 s; the wait is generous (a shared machine), the figure is reported.
    await page.waitForSelector(marker("znz", "compromised"), { timeout: 10_000 });
    t.diagnostic(
      `znz drawn compromised ${(performance.now() - answered).toFixed(0)} ms after the API answered`,
    );
  });

  await t.test("the buttons ask first, send the token, and change the site", async () => {
    // From the table: on the map London's marker sits under Paris's (Europe is crowded).
    await page.click('#sites tr[data-site="lhr"]');
    await page.click(".site-panel button[data-action=drain]");
    await page.waitForSelector("#confirm-dialog[open]");
    await page.click("#confirm-cancel");
    assert.equal(
      asked.filter((url) => url.includes("/sites/lhr/")).length,
      0,
      "cancel sends nothing",
    );
    await page.click(".site-panel button[data-action=drain]");
    await page.fill("#confirm-token", token);
    await page.fill("#confirm-user", "amina");
    await page.fill("#confirm-why", "browser test");
    const posted = page.waitForRequest(
      (r) => r.method() === "POST" && r.url().includes("/sites/lhr/drain"),
    );
    await page.click("#confirm-ok");
    const request = await posted;
    assert.equal(request.headers().authorization, `Bearer ${token}`);
    assert.equal(request.headers()["x-ops-user"], "amina");
    assert.match(request.url(), /\?why=browser\+test$/);
    await page.waitForSelector(marker("lhr", "draining"), { timeout: 10_000 });
    // The token is asked once per tab: the next action does not ask for it again.
    await page.click(".site-panel button[data-action=restore]");
    assert.equal(await page.isVisible("#confirm-token"), false);
    const restored = page.waitForRequest((r) => r.url().includes("/sites/lhr/restore"));
    await page.click("#confirm-ok");
    assert.equal((await restored).headers().authorization, `Bearer ${token}`);
    await page.waitForSelector(marker("lhr", "healthy"), { timeout: 10_000 });
  });

  await t.test("a gateway that stops answering shows unreachable, not healthy", async () => {
    await world.gateways.get("sea")?.shutdown(0);
    await page.waitForSelector(marker("sea", "unreachable"), { timeout: 15_000 });
    const row = await page.textContent('#gateways tr[data-gateway="sea"]');
    assert.match(row ?? "", /UNREACHABLE/);
  });

  await t.test("a site whose backends die turns down, and its traffic spills", async () => {
    await world.kill("dar");
    await page.waitForSelector(marker("dar", "down"), { timeout: 30_000 });
    await page.click('#gateways tr[data-gateway="dar"]');
    await page.waitForSelector("#map path.flow[data-to]", { timeout: 10_000 });
  });

  await t.test("a screenshot is written for the closing note", async () => {
    await fetch(`${world.adminUrl}/sites/cdg/drain`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
    });
    await page.waitForSelector(marker("cdg", "draining"), { timeout: 10_000 });
    await page.click(marker("znz"));
    const path = join(mkdtempSync(join(tmpdir(), "ops-view-")), "ops-view.png");
    await page.screenshot({ path, fullPage: true });
    const png = readFileSync(path);
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], "a PNG");
    const wanted = process.env.OPS_VIEW_SCREENSHOT;
    if (wanted) copyFileSync(path, wanted);
    t.diagnostic(`screenshot: ${path}${wanted ? ` and ${wanted}` : ""}`);
  });

  await t.test("nothing failed in the page, and nothing was loaded from elsewhere", () => {
    assert.deepEqual(problems, []);
    assert.deepEqual(
      asked.filter((url) => !url.startsWith(`${world.adminUrl}/`)),
      [],
    );
  });
});
