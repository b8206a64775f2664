import { Browser, Page, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

type Fixtures = { page: Page; browser: Browser; javaScriptEnabled: boolean; baseURL: string | undefined };

/**
 * Asserts that axe-core finds no violations on `path` as this project's visitor sees it.
 *
 * axe runs as a script in the page, which a JavaScript-off browser refuses. For the JavaScript-off
 * project the page is therefore opened in a context where scripts run but the app's own bundle
 * (`/pkg/*.js`, `*.wasm`) is blocked: the DOM axe checks is exactly the server-rendered page a
 * no-JavaScript visitor gets.
 */
export async function expectNoAxeViolations({ page, browser, javaScriptEnabled, baseURL }: Fixtures, path: string) {
  let target = page;
  if (!javaScriptEnabled) {
    const context = await browser.newContext({ javaScriptEnabled: true, baseURL });
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    target = await context.newPage();
  }
  await target.goto(path);
  const results = await new AxeBuilder({ page: target }).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`)).toEqual([]);
  if (target !== page) await target.context().close();
}
