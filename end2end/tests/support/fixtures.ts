import { test as base, expect, Page } from "@playwright/test";

/** With JavaScript on, waits until the Leptos app has hydrated the page (its `<main>` says so),
 * so that no click or tick lands before the handlers do. Pages outside the app (link pages, the
 * staff console) carry no such mark and are ready when loaded. */
export async function hydrated(page: Page, javaScriptEnabled: boolean) {
  if (!javaScriptEnabled) return;
  const main = page.locator("main[data-hydrated]");
  if ((await main.count()) > 0) {
    // Compiling the WebAssembly can take seconds on a loaded two-core machine.
    await expect(main).toHaveAttribute("data-hydrated", "true", { timeout: 30_000 });
  }
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
