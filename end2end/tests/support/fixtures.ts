import { test as base, expect, Page } from "@playwright/test";

/** With JavaScript on, waits until every island on the page has hydrated (each says so with
 * `data-hydrated="true"`), so that a change lands where its handler saves it. Pages without
 * islands are ready when loaded. */
export async function hydrated(page: Page, javaScriptEnabled: boolean) {
  if (!javaScriptEnabled) return;
  // Compiling the WebAssembly can take seconds on a loaded two-core machine.
  await expect(page.locator('[data-hydrated="false"]')).toHaveCount(0, { timeout: 30_000 });
}

/** Playwright's `test`, whose `page.goto` waits for hydration with JavaScript on. A test that
 * failed once and passed on rerun (a `/p/` save) clicked before the handlers were attached. */
export const test = base.extend({
  page: async ({ page, javaScriptEnabled }, use) => {
    const goto = page.goto.bind(page);
    page.goto = async (url: string, options?: Parameters<Page["goto"]>[1]) => {
      const response = await goto(url, options);
      await hydrated(page, javaScriptEnabled);
      return response;
    };
    await use(page);
  },
});

export { expect };
