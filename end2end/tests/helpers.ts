import { expect, type Page } from "@playwright/test";

export const PASSWORD = "a long and private phrase";

export function uniqueEmail(tag: string): string {
  return `member.${tag}.${Date.now()}.${Math.floor(Math.random() * 1e6)}@example.org`;
}

// With JavaScript on, every page must run cleanly: any console error (a CSP violation,
// a panic, a failed island) is collected and fails the test.
export function watchConsole(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  page.on("pageerror", (err) => errors.push(err.message));
  return errors;
}

export async function register(page: Page, name: string, email: string, language = "en") {
  await page.goto("/register");
  await page.getByLabel("Full name").fill(name);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Preferred language").selectOption(language);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL((url) => url.pathname === "/account");
  await expect(page.locator('[data-test="signed-in-as"]')).toContainText(name);
}
