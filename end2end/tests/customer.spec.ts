import { Page } from "@playwright/test";
import { test, expect } from "./support/fixtures";
import { expectNoAxeViolations } from "./support/axe";
import { waitForLink } from "./support/mail";
import { linksFor } from "./support/links";
import { org } from "./support/org";
import { change, openTopic, saveTopic } from "./support/topics";

// The whole customer journey, once with JavaScript on and once off, each project as a different
// demo contact so that the two runs cannot see each other's changes.
const contactFor = (js: boolean) => (js ? "cara.demo@example.com" : "dev.demo@example.com");

async function saveAndExpect(page: Page, button: string, said: string | RegExp) {
  await page.getByRole("button", { name: button }).click();
  await expect(page.getByRole("region", { name: /^Saved$/ })).toContainText(said);
}

test("a customer signs in by email link, changes every kind of setting, and sees it all in their history", async ({
  page,
  request,
  browser,
  javaScriptEnabled,
  baseURL,
}, testInfo) => {
  const email = contactFor(javaScriptEnabled);
  const pageErrors: string[] = [];
  page.on("pageerror", (e) => pageErrors.push(e.message));
  const axe = (path: string) => expectNoAxeViolations({ page, browser, javaScriptEnabled, baseURL }, path);

  // Ask for a link.
  await page.goto("/");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("status")).toContainText("a sign-in link is on its way");
  const link = await waitForLink(email);

  // Mail scanners fetch links before people click them: that must not use the link up.
  expect((await request.get(link)).status()).toBe(200);
  expect((await request.head(link)).status()).toBe(200);

  await page.goto(link);
  await expect(page.getByRole("heading", { name: `Sign in to ${org}` })).toBeVisible();
  await axe(new URL(link).pathname);
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page).toHaveURL(/\/preferences/);
  await expect(page.getByRole("heading", { name: "Your message preferences" })).toBeVisible();
  await expect(page.getByText(`Signed in as ${email}`)).toBeVisible();

  // The page reads short: one line per topic, saying what the contact gets.
  const offers = page.getByRole("region", { name: "Offers" });
  await expect(offers.locator("summary")).toContainText("off");
  await expect(offers.getByLabel("Send me offers")).toBeHidden();

  // A topic: opt in to offers, by SMS only, monthly, information only. With JavaScript each change
  // saves itself and says so beside the choices; without, the Save button posts them all.
  await openTopic(page, "Offers");
  const js = javaScriptEnabled;
  await change(offers, js, () => offers.getByLabel("Send me offers").check(), "Turned on Offers");
  // Texts are already among its channels (a topic's default is every channel it offers).
  await expect(offers.getByLabel("Text message (SMS)")).toBeChecked();
  await change(offers, js, () => offers.getByLabel("Email").uncheck(), "Turned off email for Offers");
  await change(offers, js, () => offers.getByLabel("How often, at most").selectOption("monthly"), "Chose at most once a month for Offers");
  await change(offers, js, () => offers.getByLabel(/Information only/).check(), "Chose information only, no follow-up, for Offers");
  if (js) {
    // Undo puts the last change back, on the form and on the server.
    await offers.getByRole("button", { name: "Undo" }).click();
    await expect(offers.getByRole("status")).toContainText("Saved: Allowed follow-ups for Offers again");
    await expect(offers.getByLabel(/Information only/)).not.toBeChecked();
    await change(offers, js, () => offers.getByLabel(/Information only/).check(), "Chose information only, no follow-up, for Offers");
  }
  await saveTopic(page, offers, "Offers", js, ["Turned on Offers", "Turned off email for Offers"]);
  await expect(offers.locator("summary")).toContainText("text messages, at most once a month, information only");

  // A required topic can't be switched off, but its channels can change.
  const appointments = await openTopic(page, "Appointments and reminders");
  await expect(appointments).toContainText("can’t be switched off");
  await change(appointments, js, () => appointments.getByLabel("Phone call").uncheck(), "Turned off phone calls for Appointments and reminders");
  await saveTopic(page, appointments, "Appointments and reminders", js, ["Turned off phone calls for Appointments and reminders"]);

  // Global settings: a pause, quiet hours, never call.
  await openTopic(page, "Breaks, quiet hours, calls and texts");
  await page.getByLabel("Pause for 1 week").check();
  await page.getByLabel(/No texts or calls between/).check();
  await page.getByLabel("From", { exact: true }).fill("21:30");
  await page.getByLabel("to", { exact: true }).fill("07:15");
  await page.getByLabel("Never call me", { exact: true }).check();
  await saveAndExpect(page, "Save these settings", "Paused messages until");
  await expect(page.getByRole("region", { name: /^Saved$/ })).toContainText("Set quiet hours for texts and calls: 21:30–07:15");
  await expect(page.getByRole("region", { name: /^Saved$/ })).toContainText("Asked never to be called");

  // Unsubscribe from everything, and back.
  await saveAndExpect(page, "Unsubscribe from everything", "Unsubscribed from everything optional");
  await saveAndExpect(page, "Subscribe again to my topics", "Subscribed again after unsubscribing from everything");

  // Contact details.
  await openTopic(page, "Your details");
  await page.getByLabel("Time zone", { exact: true }).selectOption("Europe/Paris");
  // (The language stays English here: choosing another makes the pages follow it, which the
  // journeys in languages.spec.ts check.)
  await expect(page.getByLabel("Language", { exact: true })).toHaveValue("en");
  await saveAndExpect(page, "Save my details", "Set the time zone to Europe/Paris");

  // A reload shows every choice as saved.
  await page.goto("/preferences");
  await expect(offers.locator("summary")).toContainText("text messages, at most once a month, information only");
  await openTopic(page, "Offers");
  await openTopic(page, "Appointments and reminders");
  await openTopic(page, "Breaks, quiet hours, calls and texts");
  await openTopic(page, "Your details");
  await expect(offers.getByLabel("Send me offers")).toBeChecked();
  await expect(offers.getByLabel("Text message (SMS)")).toBeChecked();
  await expect(offers.getByLabel("Email")).not.toBeChecked();
  await expect(offers.getByLabel("How often, at most")).toHaveValue("monthly");
  await expect(offers.getByLabel(/Information only/)).toBeChecked();
  await expect(appointments.getByLabel("Phone call")).not.toBeChecked();
  await expect(page.getByLabel("Never call me", { exact: true })).toBeChecked();
  await expect(page.getByLabel("From", { exact: true })).toHaveValue("21:30");
  await expect(page.getByLabel("Time zone", { exact: true })).toHaveValue("Europe/Paris");
  await expect(page.getByText(/Paused until/)).toBeVisible();
  await axe("/preferences");
  await page.setViewportSize({ width: 360, height: 800 });
  await page.screenshot({ path: testInfo.outputPath("preferences-360.png"), fullPage: true });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  // History, newest first, in plain words.
  await page.getByRole("link", { name: "Your history" }).click();
  await expect(page.getByRole("heading", { name: "Your history" })).toBeVisible();
  const history = page.locator("ol.history");
  for (const line of [
    "Set the time zone to Europe/Paris",
    "Subscribed again after unsubscribing from everything",
    "Unsubscribed from everything optional",
    "Asked never to be called",
    "Turned off phone calls for Appointments and reminders",
    "Turned on Offers",
  ]) {
    await expect(history).toContainText(line);
  }
  await expect(history.locator("> li").first()).toContainText("Set the time zone to Europe/Paris");
  await axe("/history");

  // The link was single use.
  await page.goto(link);
  await expect(page.getByText("This sign-in link has already been used.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Email me a new link" })).toBeVisible();
  expect(pageErrors, "no script errors (hydration included)").toEqual([]);
});

test("signing out ends the session", async ({ page, javaScriptEnabled }) => {
  const email = javaScriptEnabled ? "eli.demo@example.com" : "fay.demo@example.com";
  await page.goto("/");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("status")).toContainText("on its way");
  await page.goto(await waitForLink(email));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Your message preferences" })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();

  await expect(page.getByText("You are signed out.")).toBeVisible();
  await page.goto("/preferences");
  await expect(page.getByRole("heading", { name: "Please sign in" })).toBeVisible();
});

test("a contact without a phone number is told why texts and calls can't be chosen", async ({ page, javaScriptEnabled }) => {
  const email = javaScriptEnabled ? "ben.demo@example.com" : "ivy.demo@example.com";
  await page.goto("/");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await page.goto(await waitForLink(email));
  await page.getByRole("button", { name: "Continue" }).click();
  const offers = await openTopic(page, "Offers");
  await expect(offers.getByLabel("Text message (SMS)")).toBeDisabled();
  await expect(offers).toContainText("We have no phone number for you");
});

test("a person known under two records sees one page, and one save changes both", async ({ page, javaScriptEnabled }) => {
  // The demo has each of these people twice: once in the CRM, once in the scheduler.
  const [email, other] = javaScriptEnabled ? ["lee.demo@example.com", "appt-lee"] : ["max.demo@example.com", "appt-max"];
  await page.goto("/");
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(page.getByRole("status")).toContainText("a sign-in link is on its way");
  await page.goto(await waitForLink(email));
  await page.getByRole("button", { name: "Continue" }).click();
  await expect(page.getByRole("heading", { name: "Your message preferences" })).toHaveCount(1);

  const surveys = await openTopic(page, "Surveys");
  const said = "Chose at most once a week for Surveys";
  await change(surveys, javaScriptEnabled, () => surveys.getByLabel("How often, at most").selectOption("weekly"), said);
  await saveTopic(page, surveys, "Surveys", javaScriptEnabled, [said]);

  // The scheduler's record, opened from a link in the scheduler's own mail, says the same.
  await page.goto(linksFor(other).preferences);
  await expect((await openTopic(page, "Surveys")).getByLabel("How often, at most")).toHaveValue("weekly");
});
