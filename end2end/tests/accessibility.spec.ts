import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Page } from "@playwright/test";
import { acceptCode, createAdmin, register, signIn, uniqueEmail } from "./helpers";

// WCAG 2.2 AA, as axe-core checks it, on every kind of page a visitor, a member and an
// administrator (who also sees what moderators see) can reach, on a desktop and on a phone.
// Serious and critical findings fail the run; each is listed with its page and width.
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
const WIDTHS = [
  { width: 1280, height: 800 },
  { width: 360, height: 740 },
];
const MODULE = "service-excellence";

async function findings(page: Page, paths: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const size of WIDTHS) {
    await page.setViewportSize(size);
    for (const path of paths) {
      await page.goto(path);
      const result = await new AxeBuilder({ page }).withTags(TAGS).analyze();
      for (const v of result.violations) {
        if (v.impact !== "serious" && v.impact !== "critical") continue;
        const where = v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join("; ");
        found.push(`${path} at ${size.width} px: ${v.id} (${v.impact}, ${v.nodes.length}×): ${where}`);
      }
    }
  }
  return found;
}

test("every page a visitor, member and administrator reach passes WCAG 2.2 AA checks", async ({ page, browser, baseURL }, info) => {
  test.skip(info.project.name !== "javascript", "the pages are the same without JavaScript; checked once");
  test.setTimeout(240_000);
  const found: string[] = [];

  found.push(
    ...(await findings(page, [
      "/",
      "/training",
      `/training/${MODULE}?lang=en`,
      "/code-of-conduct",
      "/verify",
      "/verify/AAAA-BBBB-CCCC-DDDD",
      "/certified",
      "/login",
      "/register",
      "/no-such-page",
    ])),
  );

  const email = uniqueEmail("axe-member");
  await register(page, "Ada Axe-Lovelace", email);
  await page.goto("/code-of-conduct");
  await acceptCode(page);
  const created = await page.request.post("/api/forum/create_thread", {
    headers: { Accept: "application/json" },
    form: {
      category: "service-quality",
      kind: "practice",
      title: "Calling back within the hour instead of queueing",
      body: "Notes for colleagues.",
      situation: "Long queues on the phone at noon.",
      practice: "We offer a call back within the hour.",
      result: "Fewer abandoned calls.",
      "modules[]": MODULE,
    },
  });
  expect(created.status(), await created.text()).toBe(200);
  const thread = await created.text();
  await page.goto(`/forum/t/${thread}`);
  const opening = await page.locator('[data-test="post"]').first().getAttribute("id");
  const postId = opening?.replace("post-", "") ?? "";
  expect(postId).toMatch(/^\d+$/);

  found.push(
    ...(await findings(page, [
      "/account",
      `/training/${MODULE}?lang=en`,
      `/training/${MODULE}/quiz?lang=en`,
      "/certificates",
      "/forum",
      "/forum/c/service-quality",
      "/forum/practices",
      "/forum/new?category=service-quality&kind=practice",
      `/forum/t/${thread}`,
      `/forum/p/${postId}/edit`,
      `/forum/p/${postId}/history`,
      "/forum/search?q=queue",
      "/notifications",
    ])),
  );

  const adminEmail = uniqueEmail("axe-admin");
  createAdmin("Alma Axe-Admin", adminEmail);
  const context = await browser.newContext({ baseURL });
  const admin = await context.newPage();
  await signIn(admin, adminEmail, "/admin");
  found.push(
    ...(await findings(admin, [
      "/admin",
      "/admin/quizzes",
      "/admin/certificates",
      "/moderation",
      `/forum/t/${thread}`,
      `/forum/p/${postId}/flag`,
    ])),
  );
  await context.close();

  expect(found, found.join("\n")).toEqual([]);
});
