import { expect, test, type Locator, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

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

export async function signIn(page: Page, email: string, next = "/account") {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email address").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => url.pathname === next);
}

// The first administrator is made the way the README says, with the release binary's
// `admin create` against the test server's database (the password piped in).
export function createAdmin(name: string, email: string) {
  const databaseUrl = process.env.GUILDHALL_E2E_DATABASE_URL;
  if (!databaseUrl) throw new Error("GUILDHALL_E2E_DATABASE_URL is not set (see playwright.config.ts)");
  const root = join(__dirname, "..", "..");
  execFileSync(join(root, "target", "release", "guildhall"), ["admin", "create", "--email", email, "--name", name], {
    cwd: root,
    input: `${PASSWORD}\n`,
    env: { ...process.env, DATABASE_URL: databaseUrl, RUST_LOG: "warn" },
    stdio: ["pipe", "pipe", "pipe"],
  });
}

// A page scrolls only vertically on a phone-sized screen.
export async function expectNoHorizontalScroll(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `horizontal overflow on ${page.url()}`).toBeLessThanOrEqual(0);
}

// Quizzes. The right answers come from the quiz file itself, as an author wrote them: the
// page must not give them away, so a test cannot learn them from there.
export type Question = {
  id: string;
  type: string;
  options: { text: string; right: boolean }[];
  accepted: string[];
  answer?: string;
};

export function loadQuiz(slug: string, lang: string): Map<string, Question> {
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
export const plainText = (s: string) =>
  s.replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/[–—]/g, "-").replace(/\s+/g, " ").trim();

export async function answerAll(page: Page, quiz: Map<string, Question>, right: boolean) {
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
      await chooseOptions(fieldset, wanted.map((o) => plainText(o.text)));
    }
  }
}

export async function chooseOptions(fieldset: Locator, texts: string[]) {
  const choices = fieldset.locator(".choice");
  for (let j = 0; j < (await choices.count()); j++) {
    const choice = choices.nth(j);
    const label = plainText(await choice.locator("label").innerText());
    const input = choice.locator("input");
    if (texts.includes(label)) await input.check();
    else if ((await input.getAttribute("type")) === "checkbox") await input.uncheck();
  }
}

export async function startQuiz(page: Page, slug: string) {
  await page.goto(`/training/${slug}/quiz?lang=en`);
  await page.locator('[data-test="start-quiz"]').click();
  await page.waitForURL((url) => url.pathname === `/training/${slug}/quiz`);
  await expect(page.locator('[data-test="question"]').first()).toBeVisible();
  if (test.info().project.name === "javascript") {
    await expect(page.locator('[data-test="quiz-form"]')).toHaveAttribute("data-hydrated", "true");
  }
}

export async function handIn(page: Page, slug: string) {
  await page.locator('[data-test="submit-quiz"]').click();
  await page.waitForURL((url) => url.pathname.startsWith(`/training/${slug}/quiz/attempts/`));
}

// Starts a quiz, answers every question right and hands it in: the module counts as passed.
export async function passQuiz(page: Page, slug: string) {
  const quiz = loadQuiz(slug, "en");
  await startQuiz(page, slug);
  await answerAll(page, quiz, true);
  await handIn(page, slug);
  await expect(page.locator('[data-test="quiz-result"]')).toContainText("Passed");
}

// A browser of its own (cookies and all), nobody signed in, the project's JavaScript setting.
export async function freshBrowser(
  browser: import("@playwright/test").Browser,
  baseURL: string | undefined,
  javaScriptEnabled: boolean,
) {
  const context = await browser.newContext({ baseURL, javaScriptEnabled });
  const page = await context.newPage();
  return { context, page, errors: watchConsole(page) };
}

// An administrator gives a member a role on /admin: the member's row, its select, "Save role".
export async function setRole(admin: Page, email: string, role: "member" | "moderator" | "admin") {
  await admin.goto("/admin");
  const row = admin.locator('[data-test="members-table"] tbody tr', { hasText: email });
  await expect(row).toHaveCount(1);
  await row.locator('select[name="role"]').selectOption(role);
  await row.getByRole("button", { name: "Save role" }).click();
  await admin.waitForURL((url) => url.pathname === "/admin" && url.searchParams.get("saved") === "role");
  await expect(
    admin.locator('[data-test="members-table"] tbody tr', { hasText: email }).locator('select[name="role"]'),
  ).toHaveValue(role);
}

// The code of conduct's current version, as its English file states it.
export function conductVersion(): number {
  const file = join(__dirname, "..", "..", "content", "code-of-conduct", "en.md");
  const version = readFileSync(file, "utf8").match(/^version\s*=\s*(\d+)/m)?.[1];
  if (!version) throw new Error(`no version in ${file}`);
  return Number(version);
}

// On /code-of-conduct: tick the box and accept the current version.
export async function acceptCode(page: Page) {
  const form = page.locator('[data-test="accept-code"]');
  await form
    .getByLabel(`I have read version ${conductVersion()} of the code of conduct and will keep to it.`)
    .check();
  await form.getByRole("button", { name: "Accept the code" }).click();
}
