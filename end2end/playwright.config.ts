import { defineConfig } from "@playwright/test";

// Debian's Chromium: Playwright's own browser download cannot work on these machines.
// The flags keep Chromium from reaching out to the network, which is closed here.
const chromium = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
  ],
};

const port = Number(process.env.ATTUNE_E2E_PORT ?? 3100);

export default defineConfig({
  testDir: "./tests",
  // A journey test loads a dozen pages and runs axe on several: about 20–30 s on a loaded 2-core
  // machine. The bound is for a hang, not a speed goal (speed lives in the benchmarks).
  timeout: 90_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: chromium,
    trace: "off",
  },
  projects: [
    { name: "js-on", use: { javaScriptEnabled: true }, testIgnore: /slow\.spec\.ts/ },
    { name: "js-off", use: { javaScriptEnabled: false }, testIgnore: /slow\.spec\.ts/ },
    // The timed check runs alone: after the others, and one project after the other.
    { name: "slow-js-on", use: { javaScriptEnabled: true }, testMatch: /slow\.spec\.ts/, dependencies: ["js-on", "js-off"] },
    { name: "slow-js-off", use: { javaScriptEnabled: false }, testMatch: /slow\.spec\.ts/, dependencies: ["slow-js-on"] },
  ],
  webServer: {
    command: "./serve.sh",
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: { ATTUNE_E2E_PORT: String(port) },
  },
});
