import * as fs from "fs";
import * as path from "path";
import { Page } from "@playwright/test";
import { test, expect } from "./support/fixtures";
import { expectNoAxeViolations } from "./support/axe";
import { waitForLink } from "./support/mail";
import { openTopic } from "./support/topics";
import { org } from "./support/org";

/** A language's messages from its translation files, with `{ $name }` values put in: the test
 * expects what the same files the server reads say (multi-line messages are left out). */
function words(lang: string) {
  const dir = path.join(__dirname, "..", "..", "app", "locales", lang);
  const messages: Record<string, string> = {};
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".ftl"))) {
    for (const line of fs.readFileSync(path.join(dir, file), "utf8").split("\n")) {
      const m = line.match(/^([a-z][a-z0-9_-]*) = (.+)$/);
      if (m) messages[m[1]] = m[2];
    }
  }
  return (key: string, values: Record<string, string> = {}) => {
    const text = messages[key];
    if (text === undefined) throw new Error(`no one-line message ${key} in ${lang}`);
    return text.replace(/\{ \$([a-z_]+) \}/g, (_, name) => values[name] ?? `{${name}}`);
  };
}

async function signIn(page: Page, email: string, t: ReturnType<typeof words>) {
  await page.goto("/");
  await page.getByLabel(t("email-label")).fill(email);
  await page.getByRole("button", { name: t("sign-in-button") }).click();
  await expect(page.getByRole("status").first()).toContainText(t("sign-in-requested"));
  await page.goto(await waitForLink(email));
  await page.getByRole("button", { name: t("auth-continue") }).click();
  await expect(page).toHaveURL(/\/preferences/);
}

test.describe("in Spanish", () => {
  // The browser asks for Spanish; the contacts' own language is Spanish too.
  test.use({ locale: "es-ES" });
  const contactFor = (js: boolean) => (js ? "paz.demo@example.com" : "quim.demo@example.com");

  test("a Spanish speaker reads every page in Spanish, changes a topic, and can switch language", async ({
    page,
    browser,
    javaScriptEnabled,
    baseURL,
  }) => {
    const es = words("es");
    const en = words("en");
    const axe = (p: string) => expectNoAxeViolations({ page, browser, javaScriptEnabled, baseURL }, p);

    // A stranger's browser asks for Spanish: the start page is in Spanish.
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "es");
    await expect(page.getByRole("heading", { name: es("home-heading") })).toBeVisible();
    await expect(page.locator(".site-footer")).toContainText(es("site-footer", { org }));
    await axe("/");

    await signIn(page, contactFor(javaScriptEnabled), es);
    await expect(page.locator("html")).toHaveAttribute("lang", "es");
    await expect(page.getByRole("heading", { name: es("prefs-heading") })).toBeVisible();
    await expect(page.getByRole("heading", { name: es("topics-heading") })).toBeVisible();
    await axe("/preferences");

    // A topic, in Spanish: turn on offers; the page says what changed, in Spanish.
    const offers = await openTopic(page, "Offers");
    const turnedOn = es("change-topic-on", { topic: "Offers" });
    const sendMe = es("topic-send-me", { topic: "Offers", topic_lower: "offers" });
    await offers.getByLabel(sendMe).check();
    if (javaScriptEnabled) {
      await expect(offers.getByRole("status")).toContainText(es("topic-saved", { items: turnedOn }));
    } else {
      await offers.getByRole("button", { name: es("topic-save", { topic: "Offers" }) }).click();
      await expect(page.getByRole("region", { name: es("saved-heading") })).toContainText(turnedOn);
    }

    // The history says it in Spanish too.
    await page.goto("/history");
    await expect(page.getByRole("heading", { name: es("history-heading") })).toBeVisible();
    await expect(page.locator(".history").first()).toContainText(turnedOn);
    await expect(page.locator(".history .when").first()).toContainText(es("by-you"));
    await axe("/history");

    // The language switch is on every page: English, then back to Spanish.
    await page.getByRole("button", { name: "English" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "en");
    await expect(page.getByRole("heading", { name: en("history-heading") })).toBeVisible();
    await page.getByRole("button", { name: "Español" }).click();
    await expect(page.locator("html")).toHaveAttribute("lang", "es");
    await expect(page.getByRole("heading", { name: es("history-heading") })).toBeVisible();
  });
});

test.describe("in German on a narrow phone", () => {
  test.use({ locale: "de-DE", viewport: { width: 360, height: 780 } });

  test("the German preference page fits 360 px without sideways scrolling, every group open", async ({
    page,
    javaScriptEnabled,
  }) => {
    const de = words("de");
    await page.goto("/");
    await expect(page.locator("html")).toHaveAttribute("lang", "de");
    const fits = async () =>
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await fits();

    await signIn(page, javaScriptEnabled ? "rosa.demo@example.com" : "sven.demo@example.com", de);
    await expect(page.getByRole("heading", { name: de("prefs-heading") })).toBeVisible();
    for (const summary of await page.locator("details > summary").all()) await summary.click();
    await expect(page.locator("details:not([open])")).toHaveCount(0);
    await fits();
    await page.goto("/history");
    await fits();
  });
});
