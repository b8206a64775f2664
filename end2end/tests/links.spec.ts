import { test, expect } from "./support/fixtures";
import { expectNoAxeViolations } from "./support/axe";
import { linksFor } from "./support/links";
import { change, openTopic, saveTopic } from "./support/topics";

// From a link in an email, with JavaScript on and off: each project as a different contact.
const contactFor = (js: boolean) => (js ? "demo-gus" : "demo-hal");

test("from an unsubscribe link: unsubscribe, then undo", async ({ page, browser, javaScriptEnabled, baseURL }) => {
  const { unsubscribe, preferences } = linksFor(contactFor(javaScriptEnabled), "surveys");
  // Surveys are not pre-ticked: the contact asks for them first (an undo only undoes a change).
  await page.goto(preferences);
  const surveys = await openTopic(page, "Surveys");
  await change(surveys, javaScriptEnabled, () => surveys.getByLabel("Send me surveys").check(), "Turned on Surveys");
  await saveTopic(page, surveys, "Surveys", javaScriptEnabled, ["Turned on Surveys"]);
  await page.goto(unsubscribe);
  await expect(page.getByRole("heading", { name: "Unsubscribe from Surveys?" })).toBeVisible();
  await expectNoAxeViolations({ page, browser, javaScriptEnabled, baseURL }, new URL(unsubscribe).pathname);

  await page.getByRole("button", { name: "Unsubscribe from Surveys" }).click();
  await expect(page.getByRole("heading", { name: "You are unsubscribed" })).toBeVisible();
  await expect(page.getByText("You will get no more Surveys from us.")).toBeVisible();

  await page.getByRole("button", { name: "Undo: keep getting Surveys" }).click();
  await expect(page.getByRole("heading", { name: "You are subscribed again" })).toBeVisible();
});

test("from an unsubscribe link: less often instead", async ({ page, javaScriptEnabled }) => {
  const { unsubscribe } = linksFor(contactFor(javaScriptEnabled), "service-follow-ups");
  await page.goto(unsubscribe);
  await page.getByLabel("Get Service follow-ups").selectOption("monthly");
  await page.getByRole("button", { name: "Send less often instead" }).click();
  await expect(page.getByRole("heading", { name: "Less often it is" })).toBeVisible();
  await expect(page.getByText("You will get Service follow-ups once a month at most.")).toBeVisible();
  await page.getByRole("button", { name: "Undo: as often as before" }).click();
  await expect(page.getByText("You will get Service follow-ups once a week again.")).toBeVisible();
});

test("the unsubscribe page fits a phone and the preferences link opens without signing in", async ({ page, javaScriptEnabled }) => {
  const { unsubscribe, preferences } = linksFor(contactFor(javaScriptEnabled), "offers");
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto(unsubscribe);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  await page.goto(preferences);
  await expect(page.getByRole("heading", { name: "Your message preferences" })).toBeVisible();
  const newsletter = await openTopic(page, "Newsletter");
  await change(newsletter, javaScriptEnabled, () => newsletter.getByLabel("Send me newsletter").check(), "Turned on Newsletter");
  await saveTopic(page, newsletter, "Newsletter", javaScriptEnabled, ["Turned on Newsletter"]);
  // Without JavaScript the form posted and the page came back saying so; with it, no reload.
  if (javaScriptEnabled) await expect(page).toHaveURL(/\/p\/[A-Za-z0-9_-]+$/);
  else await expect(page).toHaveURL(/\/p\/[A-Za-z0-9_-]+\?saved=/);
});

test("not me: the address is reported after a confirmation", async ({ page, javaScriptEnabled }) => {
  const { notMe } = linksFor(javaScriptEnabled ? "demo-jo" : "demo-kim");
  await page.goto(notMe);
  await expect(page.getByRole("heading", { name: "Not you?" })).toBeVisible();
  await page.getByRole("button", { name: /This isn’t me/ }).click();
  await expect(page.getByRole("heading", { name: "Thank you" })).toBeVisible();
  await expect(page.getByText(/We will send nothing more to/)).toBeVisible();
});
