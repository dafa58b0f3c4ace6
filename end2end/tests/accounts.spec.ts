import { expect, test, type Page } from "@playwright/test";
import { PASSWORD, expectNoHorizontalScroll, register, uniqueEmail, watchConsole } from "./helpers";

const NAME = "Jiří Dvořák";

async function expectHydrated(page: Page, formTest: string, javaScript: boolean) {
  const form = page.locator(`[data-test="${formTest}"]`);
  await expect(form).toBeVisible();
  if (javaScript) {
    // Only the client sets this attribute: its presence proves the island took over.
    await expect(form).toHaveAttribute("data-hydrated", "true");
  } else {
    await expect(form).not.toHaveAttribute("data-hydrated", "true");
  }
}

test("register, sign out, sign in, switch to Latvian, sign out", async ({ page, javaScriptEnabled }, info) => {
  const errors = watchConsole(page);
  const email = uniqueEmail(info.project.name);

  await page.goto("/register");
  await expectHydrated(page, "register-form", javaScriptEnabled);
  await page.getByLabel("Full name").fill(NAME);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByLabel("Preferred language").selectOption("en");
  await page.getByRole("button", { name: "Create account" }).click();

  await page.waitForURL((url) => url.pathname === "/account");
  await expect(page.locator('[data-test="account-name"]')).toHaveText(NAME);
  await expect(page.locator('[data-test="signed-in-as"]')).toContainText(NAME);

  await page.locator('[data-test="sign-out"]').click();
  await expect(page.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto("/account");
  await page.waitForURL((url) => url.pathname === "/login" && url.searchParams.get("next") === "/account");

  await expectHydrated(page, "login-form", javaScriptEnabled);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === "/account");

  const switcher = page.locator('[data-test="language-switcher"]');
  await switcher.getByLabel("Language").selectOption("lv");
  // With JavaScript the choice applies at once; without, the button applies it.
  if (!javaScriptEnabled) await switcher.getByRole("button").click();
  await expect(page.locator("html")).toHaveAttribute("lang", "lv");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Mans konts");
  // The choice is the member's preference now: it survives signing in elsewhere.
  await page.goto("/");
  await expect(page.locator("html")).toHaveAttribute("lang", "lv");

  await page.locator('[data-test="sign-out"]').click();
  await page.goto("/account");
  await page.waitForURL((url) => url.pathname === "/login");

  expect(errors, "console errors").toEqual([]);
});

test("a refused registration keeps what was typed and says why", async ({ page, javaScriptEnabled }, info) => {
  const errors = watchConsole(page);
  await page.goto("/register");
  await expectHydrated(page, "register-form", javaScriptEnabled);
  await page.getByLabel("Full name").fill(NAME);
  await page.getByLabel("Email address").fill(uniqueEmail(`${info.project.name}-refused`));
  // Long enough for the browser's own check, but among the most common passwords.
  await page.getByLabel("Password", { exact: true }).fill("password123");
  await page.getByRole("button", { name: "Create account" }).click();

  const alert = page.locator('[data-test="form-error"]');
  await expect(alert).toBeVisible();
  await expect(alert).toContainText("most commonly used");
  await expect(page.getByLabel("Full name")).toHaveValue(NAME);
  await expect(page.getByLabel("Password", { exact: true })).toHaveAttribute("aria-invalid", "true");
  // A failed call's status shows in the console as a resource error; only other errors count.
  expect(errors.filter((e) => !e.includes("status of 422"))).toEqual([]);
});

test("the layout works at 360 px wide", async ({ page }, info) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto("/");
  await expectNoHorizontalScroll(page);
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to main content" })).toBeFocused();
  // A long unbroken name (no space or hyphen to break at) wraps in the header and on the
  // account page.
  const longName = `Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewaren${info.project.name.replace("-", "")}`;
  await register(page, longName, uniqueEmail(`narrow-${info.project.name}`));
  await expectNoHorizontalScroll(page);
});

test("the browser bundle is sent precompressed", async ({ request }) => {
  const res = await request.get("/pkg/guildhall.wasm", { headers: { "Accept-Encoding": "br, gzip" } });
  expect(res.status()).toBe(200);
  expect(res.headers()["content-encoding"]).toBe("br");
  expect(res.headers()["cache-control"]).toBe("public, no-cache");
});
