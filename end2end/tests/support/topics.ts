import { Locator, Page, expect } from "@playwright/test";

/** Opens a topic, or a group of global choices, on the preference page by its one-line summary,
 * as a person does, and returns its region. */
export async function openTopic(page: Page, name: string | RegExp): Promise<Locator> {
  const region = page.getByRole("region", { name });
  const details = region.locator("details");
  if ((await details.getAttribute("open")) === null) await region.locator("summary").click();
  await expect(details).toHaveAttribute("open", "");
  return region;
}

/** Makes one change on a topic's form. With JavaScript the change saves itself, and the topic
 * says what it saved beside its choices; without, nothing is sent until the Save button. */
export async function change(region: Locator, javaScriptEnabled: boolean, act: () => Promise<void>, said: string) {
  await act();
  if (javaScriptEnabled) await expect(region.getByRole("status")).toContainText(`Saved: ${said}`);
}

/** Presses a topic's Save button. Without JavaScript the form posts and the page says what changed
 * (`said`); with JavaScript every change has saved itself already, so there is nothing new. */
export async function saveTopic(page: Page, region: Locator, name: string, javaScriptEnabled: boolean, said: string[]) {
  await region.getByRole("button", { name: `Save ${name}` }).click();
  if (javaScriptEnabled) {
    await expect(region.getByRole("status")).toContainText("Nothing changed.");
    return;
  }
  const saved = page.getByRole("region", { name: /^Saved$/ });
  for (const line of said) await expect(saved).toContainText(line);
}
