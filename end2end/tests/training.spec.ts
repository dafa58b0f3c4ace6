import { expect, test } from "@playwright/test";
import { register, uniqueEmail, watchConsole } from "./helpers";

test("a member reads a module in Latvian, switches to English, and resumes", async ({ page }, info) => {
  const errors = watchConsole(page);
  await register(page, "Jānis Bērziņš", uniqueEmail(`training-${info.project.name}`));

  await page.goto("/training");
  await expect(page.locator('[data-test="module-list"] > li')).toHaveCount(5);
  await page.getByRole("link", { name: "Service quality: meaning, sources and principles" }).click();
  await page.waitForURL((url) => url.pathname === "/training/service-quality");

  await page.locator('[data-test="lang-lv"]').click();
  await expect(page.locator("html")).toHaveAttribute("lang", "lv");
  await expect(page.locator('[data-test="module"]')).toHaveAttribute("lang", "lv");

  await page.locator('[data-test="mark-read-what-is-service-quality"]').click();
  await page.waitForURL((url) => url.hash === "#why-it-matters" && url.searchParams.get("lang") === "lv");
  await expect(page.locator('[data-test="module-progress"]').first()).toContainText("1 of 7 sections read");

  await page.locator('[data-test="lang-en"]').click();
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.locator('[data-test="module-progress"]').first()).toContainText("1 of 7 sections read");
  await expect(page.locator('[data-test="mark-read-what-is-service-quality"]')).toHaveCount(0);

  await page.goto("/");
  await page.locator('[data-test="my-training"] [data-test="resume"]').click();
  await page.waitForURL((url) => url.pathname === "/training/service-quality" && url.hash === "#why-it-matters");

  expect(errors, "console errors").toEqual([]);
});
