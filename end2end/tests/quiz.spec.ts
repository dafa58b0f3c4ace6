import { expect, test, type Locator, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { register, uniqueEmail, watchConsole } from "./helpers";

// The right answers come from the quiz file itself, as an author wrote them: the page must
// not give them away, so the test cannot learn them from there.
type Question = { id: string; type: string; options: { text: string; right: boolean }[]; accepted: string[]; answer?: string };

function loadQuiz(slug: string, lang: string): Map<string, Question> {
  const file = join(__dirname, "..", "..", "content", "modules", slug, `quiz.${lang}.md`);
  const questions = new Map<string, Question>();
  let current: Question | undefined;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const heading = line.match(/^## .*\{(.*)\}\s*$/);
    if (heading) {
      const attrs = Object.fromEntries(
        heading[1].split(/\s+/).filter(Boolean).map((a) => (a.startsWith("#") ? ["id", a.slice(1)] : a.split("="))),
      );
      current = { id: attrs.id, type: attrs.type, options: [], accepted: [], answer: attrs.answer };
      questions.set(current.id, current);
      continue;
    }
    const task = line.match(/^- \[( |x)\] (.*)$/);
    if (current && task) {
      current.options.push({ text: task[2].trim(), right: task[1] === "x" });
      continue;
    }
    const plain = line.match(/^- (.*)$/);
    if (current && plain) current.accepted.push(plain[1].trim());
  }
  return questions;
}

// Smart punctuation may differ between the file and the rendered page.
const plain = (s: string) =>
  s.replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/[–—]/g, "-").replace(/\s+/g, " ").trim();

async function answerAll(page: Page, quiz: Map<string, Question>, right: boolean) {
  const fieldsets = page.locator('[data-test="question"]');
  const count = await fieldsets.count();
  expect(count).toBeGreaterThan(0);
  for (let i = 0; i < count; i++) {
    const fieldset = fieldsets.nth(i);
    const id = (await fieldset.getAttribute("id"))!.replace(/^q-/, "");
    const question = quiz.get(id)!;
    if (question.type === "text") {
      await fieldset.locator('input[type="text"]').fill(right ? question.accepted[0] : "no idea");
    } else if (question.type === "numeric") {
      await fieldset.locator('input[type="text"]').fill(right ? question.answer! : "9999");
    } else {
      const wanted = right
        ? question.options.filter((o) => o.right)
        : [question.options.find((o) => !o.right)!];
      await chooseOptions(fieldset, wanted.map((o) => plain(o.text)));
    }
  }
}

async function chooseOptions(fieldset: Locator, texts: string[]) {
  const choices = fieldset.locator(".choice");
  for (let j = 0; j < (await choices.count()); j++) {
    const choice = choices.nth(j);
    const label = plain(await choice.locator("label").innerText());
    const input = choice.locator("input");
    if (texts.includes(label)) await input.check();
    else if ((await input.getAttribute("type")) === "checkbox") await input.uncheck();
  }
}

async function startQuiz(page: Page, slug: string) {
  await page.goto(`/training/${slug}/quiz?lang=en`);
  await page.locator('[data-test="start-quiz"]').click();
  await page.waitForURL((url) => url.pathname === `/training/${slug}/quiz`);
  await expect(page.locator('[data-test="question"]').first()).toBeVisible();
  if (test.info().project.name === "javascript") {
    await expect(page.locator('[data-test="quiz-form"]')).toHaveAttribute("data-hydrated", "true");
  }
}

async function handIn(page: Page, slug: string) {
  await page.locator('[data-test="submit-quiz"]').click();
  await page.waitForURL((url) => url.pathname.startsWith(`/training/${slug}/quiz/attempts/`));
}

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

  await context.setOffline(false);
  await expect(page.locator('[data-test="save-status"]')).toHaveText("All answers saved.", { timeout: 15_000 });
  await page.reload();
  await expect(page.locator('[data-test="question"] .choice input').first()).toBeChecked();

  // The failed requests while offline are the only console errors allowed.
  expect(errors.filter((e) => !e.includes("Failed to fetch") && !e.includes("ERR_INTERNET_DISCONNECTED"))).toEqual([]);
});
