import * as fs from "fs";
import * as path from "path";
import { test, expect } from "./support/fixtures";
import { linksFor } from "./support/links";

// The preference page as a person opening it from an email on a phone gets it: islands only,
// compressed at build time, usable before any of it has run. Each project is a different contact.
const contactFor = (js: boolean) => (js ? "demo-nia" : "demo-oli");

test("only the topics hydrate, and only when JavaScript is on", async ({ page, javaScriptEnabled }) => {
  await page.goto(linksFor(contactFor(javaScriptEnabled)).preferences);
  const islands = page.locator("[data-hydrated]");
  expect(await islands.count()).toBeGreaterThan(3);
  await expect(page.locator("section.topic").first()).toHaveAttribute("data-hydrated", javaScriptEnabled ? "true" : "false");
  // The global choices and the page around the topics are server HTML, with no island mark.
  await expect(page.getByRole("region", { name: "Breaks, quiet hours, calls and texts" })).not.toHaveAttribute("data-hydrated", /.*/);
});

test("the front end crosses the wire as compressed at build time", async ({ page, javaScriptEnabled }) => {
  const pkg = path.join(__dirname, "..", "..", "target", "site", "pkg");
  const seen = new Map<string, { encoding?: string; bytes: number }>();
  page.on("requestfinished", async (request) => {
    const name = new URL(request.url()).pathname.split("/").pop() ?? "";
    if (!["attune.wasm", "attune.js"].includes(name)) return;
    const response = await request.response();
    const sizes = await request.sizes();
    seen.set(name, { encoding: response?.headers()["content-encoding"], bytes: sizes.responseBodySize });
  });
  await page.goto(linksFor(contactFor(javaScriptEnabled)).preferences);
  await page.waitForLoadState("networkidle");
  // Without JavaScript nothing needs them; whatever a browser does fetch (a preload) comes the same way.
  if (javaScriptEnabled) await expect.poll(() => seen.size).toBe(2);
  for (const [name, got] of seen) {
    // Exactly the `brotli -q 11` copy `make build` left beside the file.
    expect(got, name).toEqual({ encoding: "br", bytes: fs.statSync(path.join(pkg, `${name}.br`)).size });
  }
});

test("the island scripts and the inline stylesheet carry the page's nonce, and the policy refuses nothing", async ({ page, javaScriptEnabled }) => {
  const refused: string[] = [];
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
  });
  const response = await page.goto(linksFor(contactFor(javaScriptEnabled)).preferences);
  const policy = response?.headers()["content-security-policy"] ?? "";
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(nonce, policy).toBeTruthy();
  // The browser hides a nonce from attributes once the page is parsed; the property keeps it.
  const nonces = await page.locator("script").evaluateAll((scripts) => scripts.map((s) => (s as HTMLScriptElement).nonce));
  expect(nonces.length).toBeGreaterThan(0);
  expect(nonces).toEqual(nonces.map(() => nonce));
  // The stylesheet comes inline, to save a round trip before the first paint: with the nonce too.
  const styles = await page.locator("style").evaluateAll((styles) => styles.map((s) => (s as HTMLStyleElement).nonce));
  expect(styles).toEqual([nonce]);
  expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe("rgb(243, 245, 247)");
  if (javaScriptEnabled) {
    // The islands hydrated (the fixture waited for it): the policy let their script run.
    await expect(page.locator('[data-hydrated="true"]').first()).toBeVisible();
  }
  expect(refused).toEqual([]);
});
