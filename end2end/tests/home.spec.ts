import * as fs from "fs";
import * as path from "path";
import { test, expect } from "./support/fixtures";
import { expectNoAxeViolations } from "./support/axe";
import { org } from "./support/org";

// These run twice: with JavaScript on (the page hydrates) and off (plain forms, server answers).

test("the start page names the organisation and offers sign-in by email", async ({ page }) => {
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect(page).toHaveTitle(`${org} — your message preferences`);
  await expect(page.getByRole("link", { name: org, exact: true })).toBeVisible();
  await expect(page.getByLabel("Email address")).toBeVisible();
  await expect(page.getByRole("button", { name: "Email me a sign-in link" })).toBeEnabled();
});

test("the start page loads no script file and no WebAssembly", async ({ page }) => {
  const fetched: string[] = [];
  page.on("request", (request) => fetched.push(new URL(request.url()).pathname));
  await page.goto("/");
  await page.waitForLoadState("networkidle");
  await expect(page.locator("script[src], link[rel=modulepreload]")).toHaveCount(0);
  expect(fetched.filter((p) => /\.(js|wasm)$/.test(p))).toEqual([]);
});

test("asking for a sign-in link gets an answer, with or without JavaScript", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Email address").fill("ann@example.com");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("status")).toContainText("a sign-in link is on its way");
  await expect(page).toHaveURL(/sign_in=requested/);
});

test("a mistyped address is explained, with or without JavaScript", async ({ page }) => {
  await page.goto("/");
  // The browser's own check would stop "ann@example"; the server's check is the one that counts.
  await page.getByLabel("Email address").fill("ann@example");
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("status")).toContainText("not an email address we can send to");
});

test("the start page has no accessibility violations", async ({ page, browser, javaScriptEnabled, baseURL }) => {
  await expectNoAxeViolations({ page, browser, javaScriptEnabled, baseURL }, "/");
});

test("the start page fits a 360 px wide phone without sideways scrolling", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/");
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});

test("keyboard users see where focus is", async ({ page }) => {
  await page.goto("/");
  await page.getByLabel("Email address").focus();
  const outline = await page.getByLabel("Email address").evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).not.toBe("none");
});
