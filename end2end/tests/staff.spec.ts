import { test, expect } from "./support/fixtures";
import { expectStaffPageAxeClean, staff, staffSignIn, waitForMail } from "./support/staff";

// The staff console (issue 7). Both projects share one server: names and topics differ per project.

test("an admin creates a topic and a sender key", async ({ page, browser, baseURL }, testInfo) => {
  const project = testInfo.project.name;
  const axe = (path: string) => expectStaffPageAxeClean(page, browser, baseURL, path);
  await staffSignIn(page, staff.admin);
  const nav = page.getByRole("navigation", { name: "Staff console" });
  await expect(nav.getByRole("link", { name: "Topics" })).toBeVisible();

  await nav.getByRole("link", { name: "Topics" }).click();
  await expect(page.getByRole("heading", { name: "Topics", level: 1 })).toBeVisible();
  const form = page.getByRole("region", { name: "New topic" });
  await form.getByLabel("Key").fill(`e2e-${project}`);
  await form.getByLabel("Name").fill(`Tips ${project}`);
  await form.getByLabel("Description").fill("Helpful tips, now and then.");
  await form.getByLabel("Text message (SMS)").check();
  await form.getByLabel("Default frequency").selectOption("monthly");
  await form.getByRole("button", { name: "Create topic" }).click();
  await expect(page.getByRole("status")).toHaveText("Created.");
  await expect(page.getByRole("heading", { name: `Tips ${project} (e2e-${project})` })).toBeVisible();
  await axe("/staff/admin/topics");
  // Archived, it leaves customers' pages (and keeps the demo as it was for the other tests).
  await page.getByRole("button", { name: `Archive Tips ${project}` }).click();
  await expect(page.getByRole("status")).toContainText("Archived");
  await expect(page.getByRole("heading", { name: `Tips ${project} (e2e-${project}) — archived` })).toBeVisible();

  await nav.getByRole("link", { name: "Senders" }).click();
  await page.getByLabel(/Sender name/).fill(`E2E CRM ${project}`);
  await page.getByRole("button", { name: "Create API key" }).click();
  const secret = page.getByRole("status").filter({ hasText: `New API key for E2E CRM ${project}` });
  await expect(secret).toBeVisible();
  const key = (await secret.locator("code").textContent()) ?? "";
  expect(key).toMatch(/^att_[A-Za-z0-9_-]{40,}$/);
  // The key works for the sender API.
  const topics = await page.request.get("/api/v1/topics", { headers: { authorization: `Bearer ${key}` } });
  expect(topics.status()).toBe(200);
  expect(topics.ok()).toBe(true);
  await axe("/staff/admin/senders");
  for (const path of ["/staff/admin/senders", "/staff/admin/users"]) {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(path);
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  }
  await axe("/staff/admin/endpoints");
  await axe("/staff/admin/users");
});

// Each project changes another topic of the demo contact, so the runs don't collide.
const topicFor = (js: boolean) => (js ? { key: "appointments", name: "Appointments and reminders" } : { key: "surveys", name: "Surveys" });

test("an agent turns off SMS for the demo contact with a reason; the customer sees it and is emailed", async ({
  page,
  browser,
  javaScriptEnabled,
  baseURL,
}, testInfo) => {
  const topic = topicFor(javaScriptEnabled);
  const reason = `Ann phoned (${testInfo.project.name}): no texts about ${topic.name}, please`;
  const since = Date.now();
  await staffSignIn(page, staff.agent);
  await expect(page.getByRole("link", { name: "Topics" })).toHaveCount(0);
  await expectStaffPageAxeClean(page, browser, baseURL, "/staff");

  await page.getByLabel("Email, phone or ref").fill("ann.demo");
  await page.getByRole("button", { name: "Search" }).click();
  await page.getByRole("link", { name: "demo-ann" }).click();
  await expect(page.getByRole("heading", { name: "Contact demo-ann" })).toBeVisible();
  await expect(page.locator("dl.staff-details")).toContainText("ann.demo@example.com");
  await expectStaffPageAxeClean(page, browser, baseURL, "/staff/contacts/demo-ann");
  // Usable on a tablet: nothing wider than the screen.
  await page.setViewportSize({ width: 768, height: 1024 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  const section = page.getByRole("region", { name: topic.name });
  await section.getByLabel("Text message (SMS)").uncheck();
  await section.getByLabel("Reason (shown to the customer)").fill(reason);
  await section.getByRole("button", { name: `Save ${topic.name} for the contact` }).click();
  await expect(page.getByRole("status")).toContainText("Saved. The contact is emailed about the change.");
  const ledger = page.getByRole("region", { name: "History" });
  await expect(ledger).toContainText(`Turned off text messages for ${topic.name}`);
  await expect(ledger).toContainText(reason);

  // The contact is emailed "we changed this for you", with a link to review and undo.
  const mail = await waitForMail("ann.demo@example.com", reason, since);
  expect(mail).toContain("Subject: We changed your message preferences for you");
  expect(mail).toContain(`Turned off text messages for ${topic.name}`);
  expect(mail).toMatch(/\/p\/[A-Za-z0-9_-]+/);

  // The customer's history shows the change and the reason.
  const customer = await browser.newPage({ baseURL, javaScriptEnabled });
  await customer.goto("/");
  await customer.getByLabel("Email address").fill("ann.demo@example.com");
  const asked = Date.now();
  await customer.getByRole("button", { name: "Email me a sign-in link" }).click();
  await expect(customer.getByRole("status")).toContainText("a sign-in link is on its way");
  const signIn = await waitForMail("ann.demo@example.com", "/auth/", asked);
  const link = signIn.match(/https?:\/\/[^\s"<>]+\/auth\/[A-Za-z0-9_-]+/)![0];
  await customer.goto(link);
  await customer.getByRole("button", { name: "Continue" }).click();
  await expect(customer).toHaveURL(/\/preferences/);
  await customer.goto("/history");
  const entry = customer.locator("ol.history > li").filter({ hasText: reason });
  await expect(entry).toContainText("Changed by our staff");
  await expect(entry).toContainText(`Reason given: ${reason}`);
  await expect(entry).toContainText(`Turned off text messages for ${topic.name}`);
  await customer.close();
});

test("an agent is refused on admin pages", async ({ page }) => {
  await staffSignIn(page, staff.agent);
  await expect(page.getByRole("navigation", { name: "Staff console" }).getByRole("link")).toHaveText(["Contacts"]);
  for (const path of ["/staff/admin/topics", "/staff/admin/senders", "/staff/admin/endpoints", "/staff/admin/users"]) {
    const res = await page.goto(path);
    expect(res?.status()).toBe(403);
    await expect(page.getByRole("heading", { name: "You don’t have access to this page" })).toBeVisible();
  }
});

test("wrong passwords are rate limited", async ({ page, browser, baseURL }, testInfo) => {
  const who = staff.lockout(testInfo.project.name);
  await expectStaffPageAxeClean(page, browser, baseURL, "/staff/login");
  await page.goto("/staff/login");
  for (let i = 0; i < 5; i++) {
    await page.getByLabel("Email address").fill(who.email);
    await page.getByLabel("Password").fill(`wrong guess ${i}`);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("alert")).toContainText("don’t match an active staff account");
  }
  // Now even the right password has to wait.
  await page.getByLabel("Password").fill(who.password);
  const answer = page.waitForResponse((r) => r.url().endsWith("/staff/login") && r.request().method() === "POST");
  await page.getByRole("button", { name: "Sign in" }).click();
  expect((await answer).status()).toBe(429);
  await expect(page.getByRole("alert")).toContainText("Too many failed attempts. Please wait 1 minute");
  await expect(page.getByRole("heading", { name: "Find a contact" })).toHaveCount(0);
});
