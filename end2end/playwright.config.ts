import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A fresh database for every run; the release binary serves it on its own port.
const dataDir = mkdtempSync(join(tmpdir(), "guildhall-e2e-"));
const port = 3100;
// The same database for the tests' own command-line calls (`guildhall admin create`). Set
// once in the runner; the workers inherit it (`??=`: their own load of this file keeps it).
process.env.GUILDHALL_E2E_DATABASE_URL ??= `sqlite://${dataDir}/guildhall.db`;

export default defineConfig({
  testDir: "./tests",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  timeout: 30_000,
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    launchOptions: {
      // Debian's Chromium: test tools may not download browsers here.
      executablePath: "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  projects: [
    { name: "javascript", use: { javaScriptEnabled: true } },
    { name: "no-javascript", use: { javaScriptEnabled: false } },
  ],
  webServer: {
    command: "./target/release/guildhall serve",
    cwd: "..",
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: {
      DATABASE_URL: `sqlite://${dataDir}/guildhall.db`,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      GUILDHALL_PUBLIC_URL: `http://127.0.0.1:${port}`,
      RUST_LOG: "warn",
      // Short enough to wait out in a test; real quizzes ask for minutes.
      GUILDHALL_QUIZ_COOLDOWN_SECONDS: "3",
      // Every test registers from 127.0.0.1; the default of 20 an hour leaves little room.
      GUILDHALL_REGISTRATIONS_PER_IP: "500",
    },
  },
});
