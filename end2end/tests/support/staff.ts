import { Browser, Page, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import * as fs from "fs";
import * as path from "path";
import { mailDir } from "./mail";

/** Staff users serve.sh creates, with their passwords. */
export const staff = {
  admin: { email: "admin@staff.example", password: "e2e admin password" },
  agent: { email: "agent@staff.example", password: "e2e agent password" },
  lockout: (project: string) => ({ email: `lockout-${project}@staff.example`, password: "e2e lockout password" }),
};

/** Signs in at /staff/login and waits for the console. */
export async function staffSignIn(page: Page, who: { email: string; password: string }) {
  await page.goto("/staff/login");
  await page.getByLabel("Email address").fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Find a contact" })).toBeVisible();
}

function read(file: string): string {
  // Undo quoted-printable soft line breaks, so links and sentences are whole.
  return fs.readFileSync(file, "utf8").replace(/=\r?\n/g, "");
}

/**
 * Waits for a mail to `address` written at or after `since` (ms since the epoch) that contains
 * `needle`, and returns the oldest such mail: with two runs sharing one mailbox, that is the one
 * this run's own action caused.
 */
export async function waitForMail(address: string, needle: string, since: number): Promise<string> {
  const to = new RegExp(`^To: ${address.replace(/[.]/g, "\\.")}\\s*$`, "m");
  for (let i = 0; i < 100; i++) {
    if (fs.existsSync(mailDir)) {
      const found = fs
        .readdirSync(mailDir)
        .filter((f) => f.endsWith(".eml"))
        .map((f) => path.join(mailDir, f))
        .map((file) => ({ file, at: fs.statSync(file).mtimeMs }))
        .filter(({ at }) => at >= since)
        .sort((a, b) => a.at - b.at)
        .map(({ file }) => read(file))
        .find((mail) => to.test(mail) && mail.includes(needle));
      if (found) return found;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${address} containing ${JSON.stringify(needle)} in ${mailDir}`);
}

/**
 * Asserts that axe-core finds no violations on a console page as this staff user sees it. The
 * console loads no scripts of its own, so one check in a script-enabled context (carrying the
 * page's session cookie) covers visitors with JavaScript on and off alike.
 */
export async function expectStaffPageAxeClean(page: Page, browser: Browser, baseURL: string | undefined, path: string) {
  const context = await browser.newContext({ javaScriptEnabled: true, baseURL });
  await context.addCookies(await page.context().cookies());
  const target = await context.newPage();
  await target.goto(path);
  const results = await new AxeBuilder({ page: target }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)).toEqual([]);
  await context.close();
}
