import { expect, test } from "@playwright/test";
import { answerAll, handIn, loadQuiz, register, startQuiz, uniqueEmail, watchConsole } from "./helpers";

// The right answers come from the quiz file itself (see loadQuiz in helpers.ts): the page
// must not give them away, so the test cannot learn them from there.

test("a member fails a quiz, waits out the cooldown, passes and reviews", async ({ page }, info) => {
  const slug = "service-quality";
  const quiz = loadQuiz(slug, "en");
  const errors = watchConsole(page);
  await register(page, "Zuzana Dvořáková", uniqueEmail(`quiz-${info.project.name}`));

  await page.goto(`/training/${slug}?lang=en`);
  await page.locator('[data-test="quiz-link"]').click();
  await expect(page.locator('[data-test="quiz-history"]')).toHaveCount(0);

  // First attempt: everything wrong.
  await startQuiz(page, slug);
  const source = await page.content();
  expect(source).not.toContain("[x]");
  await answerAll(page, quiz, false);
  await handIn(page, slug);
  await expect(page.locator('[data-test="quiz-result"]')).toContainText("Not passed");
  await expect(page.locator('[data-test="verdict"]').first()).toContainText("Wrong");

  // The cooldown (3 s in this test server) holds the next attempt back, then lets it start.
  await page.locator('[data-test="back-to-quiz"]').click();
  await expect(page.locator('[data-test="quiz-wait"]')).toBeVisible();
  await expect(page.locator('[data-test="start-quiz"]')).toHaveCount(0);
  await page.waitForTimeout(3500);
  await page.reload();

  // Second attempt: everything right.
  await startQuiz(page, slug);
  await answerAll(page, quiz, true);
  await handIn(page, slug);
  await expect(page.locator('[data-test="quiz-result"]')).toContainText("Passed");
  const items = page.locator('[data-test="review-item"]');
  await expect(items.first()).toBeVisible();
  await expect(page.locator('[data-test="verdict"]', { hasText: "Wrong" })).toHaveCount(0);
  await expect(items.first().locator(".explanation")).not.toBeEmpty();

  // The review links back to the section the question tests.
  const sectionLink = items.first().getByRole("link", { name: "Read the section again" });
  const href = await sectionLink.getAttribute("href");
  await sectionLink.click();
  await page.waitForURL((url) => url.pathname === `/training/${slug}` && url.hash === new URL(href!, page.url()).hash);

  // The module now counts as passed, here and in the catalogue.
  await expect(page.locator('[data-test="module-quiz"]')).toContainText("You have passed this module's quiz");
  await page.goto("/training");
  await expect(page.locator('[data-test="quiz-passed-mark"]')).toHaveCount(1);
  await page.goto(`/training/${slug}/quiz`);
  await expect(page.locator('[data-test="quiz-history"] tbody tr')).toHaveCount(2);

  expect(errors, "console errors").toEqual([]);
});

test("answers survive a reload before the quiz is handed in", async ({ page }, info) => {
  const slug = "service-operations";
  const quiz = loadQuiz(slug, "en");
  const errors = watchConsole(page);
  await register(page, "Łukasz Wiśniewski", uniqueEmail(`quiz-resume-${info.project.name}`));
  await startQuiz(page, slug);

  const first = page.locator('[data-test="question"]').first();
  const id = (await first.getAttribute("id"))!.replace(/^q-/, "");
  const question = quiz.get(id)!;
  const textInput = first.locator('input[type="text"]');
  if (question.type === "text" || question.type === "numeric") {
    await textInput.fill("42");
    await textInput.blur();
  } else {
    await first.locator(".choice input").first().check();
  }

  if (info.project.name === "javascript") {
    // Saved as given: the status says so, and nothing else needs pressing.
    await expect(page.locator('[data-test="save-status"]')).toHaveText("All answers saved.");
  } else {
    await page.locator('[data-test="save-answers"]').click();
    await expect(page.locator('[data-test="answers-saved"]')).toBeVisible();
  }

  await page.goto(`/training/${slug}/quiz?lang=en`);
  const again = page.locator(`#q-${id}`);
  if (question.type === "text" || question.type === "numeric") {
    await expect(again.locator('input[type="text"]')).toHaveValue("42");
  } else {
    await expect(again.locator(".choice input").first()).toBeChecked();
  }
  expect(errors, "console errors").toEqual([]);
});

test("a lost connection is announced and the answer is saved once it is back", async ({ page, context }, info) => {
  test.skip(info.project.name !== "javascript", "saving as you go needs JavaScript");
  const slug = "performance-standards";
  const errors = watchConsole(page);
  await register(page, "Ivana Horvat", uniqueEmail("quiz-offline"));
  await startQuiz(page, slug);

  // A phone-sized screen scrolls only vertically.
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);

  const choice = page.locator('[data-test="question"] .choice input').first();
  await context.setOffline(true);
  await choice.check();
  await expect(page.locator('[data-test="save-status"]')).toContainText("No connection");
  await expect(page.locator('[data-test="save-status"]')).toHaveAttribute("data-problem", "true");

  // The notice stays in sight while the member goes on answering.
  const status = page.locator('[data-test="save-status"]');
  await page.locator('[data-test="question"]').first().scrollIntoViewIfNeeded();
  await expect(status).toBeInViewport();
  // Handing in while offline is stopped and says so; the connection's return clears it.
  await page.locator('[data-test="submit-quiz"]').click();
  await expect(status).toContainText("nothing was handed in");
  await context.setOffline(false);
  await expect(status).toHaveText("All answers saved.", { timeout: 15_000 });
  await page.reload();
  await expect(page.locator('[data-test="question"] .choice input').first()).toBeChecked();

  // An answer the server never got survives a reload: the browser keeps it until it is saved.
  await page.route("**/api/quiz/save", (route) => route.abort("internetdisconnected"));
  const second = () => page.locator('[data-test="question"]:has(.choice input)').nth(1).locator(".choice input").first();
  await second().check();
  await expect(status).toContainText("No connection");
  // Leaving with it unsent asks first.
  let asked = false;
  page.once("dialog", async (dialog) => {
    asked = dialog.type() === "beforeunload";
    await dialog.accept();
  });
  await page.reload();
  expect(asked, "leaving with unsent answers asks first").toBe(true);
  await expect(second()).toBeChecked();
  await page.unroute("**/api/quiz/save");
  await expect(status).toHaveText("All answers saved.", { timeout: 15_000 });
  await page.reload();
  await expect(second()).toBeChecked();

  // The failed requests while offline are the only console errors allowed.
  expect(errors.filter((e) => !e.includes("Failed to fetch") && !e.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
});
