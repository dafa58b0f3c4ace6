import { expect, test, type Browser, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  createAdmin,
  expectNoHorizontalScroll,
  passQuiz,
  register,
  signIn,
  uniqueEmail,
  watchConsole,
} from "./helpers";

const PROGRAMME = "service-excellence";
const CODE = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

// The modules the programme requires, as its file lists them.
function requiredModules(): string[] {
  const file = join(__dirname, "..", "..", "content", "programs", `${PROGRAMME}.toml`);
  const list = readFileSync(file, "utf8").match(/^modules\s*=\s*\[([^\]]*)\]/m);
  const modules = [...(list?.[1] ?? "").matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  expect(modules.length, `modules of ${PROGRAMME}`).toBeGreaterThan(0);
  return modules;
}

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

// The journey's certificate, for the tests after it (they run in order, in one worker).
type Issued = { id: string; code: string; holder: string; memberEmail: string; adminEmail: string; pdfSha256: string };
let issued: Issued | undefined;

// A browser of its own, nobody signed in.
async function newBrowser(browser: Browser, baseURL: string | undefined, javaScriptEnabled: boolean) {
  const context = await browser.newContext({ baseURL, javaScriptEnabled });
  const page = await context.newPage();
  return { context, page, errors: watchConsole(page) };
}

async function expectVerified(page: Page, code: string, holder: string, status: "valid" | "revoked") {
  await expect(page).toHaveURL((url) => url.pathname === `/verify/${code}`);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Certificate verification");
  await expect(page.locator('[data-test="certificate-holder"]')).toHaveText(holder);
  await expect(page.locator('[data-test="certificate-code"]')).toHaveText(code);
  await expect(page.locator('[data-test="certificate-status"]')).toHaveAttribute("data-status", status);
  await expect(page.locator('[data-test="verify-verdict"]')).toContainText(
    status === "valid" ? "issued by the association and is valid" : "was revoked by the association",
  );
}

// Issue, verify, revoke: one certificate's life, in order (the second needs the first's).
test.describe("a certificate", () => {
  test.describe.configure({ mode: "serial" });

  test("a member earns the certificate, an admin issues it, and anyone can verify it and its PDF", async (
    { page, browser, baseURL, javaScriptEnabled },
    info,
  ) => {
    test.setTimeout(120_000);
    const modules = requiredModules();
    const errors = watchConsole(page);
    const holder = `Łucja Żółkiewska-Świątek (${info.project.name})`;
    const memberEmail = uniqueEmail(`certificate-${info.project.name}`);
    await register(page, holder, memberEmail);

    await page.goto("/certificates");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("My certificates");
    const programme = page.locator('[data-test="programme"]', { has: page.locator(`#programme-${PROGRAMME}`) });
    await expect(programme.locator('[data-test="programme-progress"]')).toHaveText(
      `Quizzes passed: 0 of ${modules.length}.`,
    );
    await expect(page.locator('[data-test="no-certificates"]')).toBeVisible();

    // Every required quiz, passed through the pages in English.
    for (const slug of modules) await passQuiz(page, slug);

    await page.goto("/certificates");
    await expect(programme.locator('[data-test="eligible"]')).toContainText("You are eligible");
    for (const slug of modules) {
      await expect(programme.locator(`[data-test="required-${slug}"]`)).toContainText("Quiz passed");
    }
    await expect(page.locator('[data-test="certificate"]')).toHaveCount(0);

    // An administrator, in a browser of their own, issues from the queue.
    const adminEmail = uniqueEmail(`certificate-admin-${info.project.name}`);
    createAdmin("Bożena Kowalczyk", adminEmail);
    const adminContext = await browser.newContext({ baseURL, javaScriptEnabled });
    const admin = await adminContext.newPage();
    const adminErrors = watchConsole(admin);
    await signIn(admin, adminEmail, "/admin/certificates");
    const queue = admin.locator('[data-test="issue-queue"]', {
      has: admin.locator(`input[name="programme"][value="${PROGRAMME}"]`),
    });
    const rows = queue.locator("tbody tr");
    const ours = rows.filter({ hasText: memberEmail });
    await expect(ours).toHaveCount(1);
    await expect(ours).toContainText(holder);
    await expect(ours.locator('input[name="members[]"]')).toBeChecked();
    // Anyone else waiting (a member left eligible by an earlier failed test) stays waiting.
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      if (!(await row.innerText()).includes(memberEmail)) await row.locator('input[name="members[]"]').uncheck();
    }
    await queue.getByRole("button", { name: "Issue to the selected members" }).click();
    await admin.waitForURL((url) => /^\/admin\/certificates\/batches\/\d+$/.test(url.pathname));
    const summary = admin.locator('[data-test="issue-summary"]');
    await expect(summary).toContainText("Certificates issued: 1.");
    await expect(summary).toContainText("Not issued: 0");
    const summaryLink = summary.getByRole("link", { name: holder });
    const adminHref = (await summaryLink.getAttribute("href"))!;
    const id = adminHref.match(/^\/admin\/certificates\/(\d+)$/)?.[1];
    expect(id, adminHref).toBeTruthy();
    const summaryCode = (await summary.locator("li", { hasText: holder }).locator("code").innerText()).trim();
    expect(summaryCode).toMatch(CODE);
    await expect(admin.locator('[data-test="issue-queue"] tbody tr', { hasText: memberEmail })).toHaveCount(0);
    expect(adminErrors, "console errors (admin)").toEqual([]);
    await adminContext.close();

    // The member sees it at once.
    await page.reload();
    const card = page.locator('[data-test="certificate"]');
    await expect(card).toHaveCount(1);
    await expect(card.locator('[data-test="certificate-status"]')).toHaveAttribute("data-status", "valid");
    await expect(card.locator('[data-test="certificate-status"]')).toContainText("Valid");
    await expect(card.locator('[data-test="certificate-holder"]')).toHaveText(holder);
    const code = (await card.locator('[data-test="certificate-code"]').innerText()).trim();
    expect(code).toMatch(CODE);
    expect(code).toBe(summaryCode);
    const verifyUrl = `${baseURL}/verify/${code}`;
    await expect(card.locator('[data-test="share-link"]')).toHaveValue(verifyUrl);
    const linkedin = new URL((await card.locator('[data-test="linkedin"]').getAttribute("href"))!);
    expect(linkedin.origin + linkedin.pathname).toBe("https://www.linkedin.com/profile/add");
    expect(linkedin.searchParams.get("certId")).toBe(code);
    expect(linkedin.searchParams.get("certUrl")).toBe(verifyUrl);
    expect(linkedin.searchParams.get("name")).toBe("Service Excellence Certificate");
    await expect(programme.locator('[data-test="held"]')).toBeVisible();
    await expect(programme.locator('[data-test="eligible"]')).toHaveCount(0);

    // The PDF as issued.
    const download = card.locator('[data-test="download"]');
    await expect(download).toHaveAttribute("href", `/certificates/${id}/certificate.pdf`);
    const downloaded = page.waitForEvent("download");
    await download.click();
    const file = await downloaded;
    expect(file.suggestedFilename()).toMatch(/^certificate-.+\.pdf$/);
    const pdfPath = await file.path();
    const pdf = readFileSync(pdfPath);
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    const pdfSha256 = sha256(pdf);
    // Its text carries the name as written, accents included, and where to verify it.
    const text = execFileSync("pdftotext", ["-enc", "UTF-8", pdfPath, "-"], { encoding: "utf8" });
    expect(text.replace(/\s+/g, " ")).toContain(holder);
    expect(text).toContain(code);

    await page.setViewportSize({ width: 360, height: 740 });
    await page.reload();
    await expect(card).toBeVisible();
    await expectNoHorizontalScroll(page);
    expect(errors, "console errors (member)").toEqual([]);

    // A visitor follows the shared link (the QR code's address).
    const first = await newBrowser(browser, baseURL, javaScriptEnabled);
    await first.page.setViewportSize({ width: 360, height: 740 });
    await first.page.goto(verifyUrl);
    await expectVerified(first.page, code, holder, "valid");
    await expect(first.page.locator('[data-test="certificate-sha256"]')).toHaveText(pdfSha256);
    await expectNoHorizontalScroll(first.page);
    await expect(first.page.getByRole("link", { name: "Sign in" })).toBeVisible();
    expect(first.errors, "console errors (first visitor)").toEqual([]);
    await first.context.close();

    // Another types the code as people do: lower case, no dashes.
    const second = await newBrowser(browser, baseURL, javaScriptEnabled);
    await second.page.goto("/verify");
    const form = second.page.locator('[data-test="verify-form"]');
    await form.getByLabel("Verification code").fill(code.replace(/-/g, "").toLowerCase());
    await form.getByRole("button", { name: "Verify" }).click();
    await second.page.waitForURL((url) => url.pathname === `/verify/${code}`);
    await expectVerified(second.page, code, holder, "valid");

    // The downloaded PDF is the one issued; a changed copy is not.
    const check = second.page.locator('[data-test="pdf-check"]');
    await check.locator('input[name="pdf"]').setInputFiles(pdfPath);
    await check.getByRole("button", { name: "Check the PDF" }).click();
    await expect(second.page.locator('[data-test="pdf-match"]')).toContainText("exactly the one the association issued");
    await expect(second.page.locator('[data-test="pdf-mismatch"]')).toHaveCount(0);
    await expect(second.page).toHaveURL((url) => url.pathname === `/verify/${code}` && url.hash === "#check");
    // The answer is shown once, not kept in the address.
    await second.page.reload();
    await expect(second.page.locator('[data-test="certificate-holder"]')).toHaveText(holder);
    await expect(second.page.locator('[data-test="pdf-match"]')).toHaveCount(0);

    const changed = Buffer.concat([pdf, Buffer.from("\n% edited\n")]);
    if (javaScriptEnabled) {
      // Dropped on the dashed box, as the page invites.
      const dropped = await second.page.evaluateHandle((bytes) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(bytes)], "certificate.pdf", { type: "application/pdf" }));
        return transfer;
      }, Array.from(changed));
      await check.locator("label[data-drop-target]").dispatchEvent("drop", { dataTransfer: dropped });
      const chosen = await check.locator('input[name="pdf"]').evaluate((i) => (i as HTMLInputElement).files?.[0]?.name);
      expect(chosen).toBe("certificate.pdf");
    } else {
      await check.locator('input[name="pdf"]').setInputFiles({
        name: "certificate.pdf",
        mimeType: "application/pdf",
        buffer: changed,
      });
    }
    await check.getByRole("button", { name: "Check the PDF" }).click();
    const mismatch = second.page.locator('[data-test="pdf-mismatch"]');
    await expect(mismatch).toContainText("not the one the association issued");
    await expect(mismatch.locator("code")).toHaveText(sha256(changed));
    await expect(second.page.locator('[data-test="pdf-match"]')).toHaveCount(0);
    expect(second.errors, "console errors (second visitor)").toEqual([]);
    await second.context.close();

    issued = { id: id!, code, holder, memberEmail, adminEmail, pdfSha256 };
  });

  test("an admin revokes the certificate; its verification page says so at once", async (
    { page, browser, baseURL, javaScriptEnabled },
  ) => {
    test.skip(!issued, "needs the certificate issued in the test before");
    const { id, code, holder, memberEmail, adminEmail, pdfSha256 } = issued!;
    const errors = watchConsole(page);
    await signIn(page, adminEmail, `/admin/certificates/${id}`);
    await expect(page.locator('[data-test="certificate-holder"]')).toHaveText(holder);
    await expect(page.locator('[data-test="certificate-status"]')).toHaveAttribute("data-status", "valid");

    const reason = "Issued in error: the quizzes were taken on someone else's account.";
    const revoke = page.locator('[data-test="revoke"]');
    await revoke.locator('textarea[name="reason"]').fill(reason);
    await revoke.getByRole("button", { name: "Revoke certificate" }).click();
    await page.waitForURL(
      (url) => url.pathname === `/admin/certificates/${id}` && url.searchParams.get("done") === "revoked",
    );
    await expect(page.locator('[data-test="done"]')).toContainText("Certificate revoked");
    await expect(page.locator('[data-test="certificate-status"]')).toHaveAttribute("data-status", "revoked");
    await expect(page.locator('[data-test="certificate-events"] tbody tr', { hasText: "Revoked" })).toContainText(reason);
    // Only a current certificate can be revoked or reissued.
    await expect(page.locator('[data-test="revoke"]')).toHaveCount(0);
    await expect(page.locator('[data-test="reissue"]')).toHaveCount(0);
    expect(errors, "console errors (admin)").toEqual([]);

    const someone = await newBrowser(browser, baseURL, javaScriptEnabled);
    await someone.page.goto(`/verify/${code}`);
    await expectVerified(someone.page, code, holder, "revoked");
    await expect(someone.page.locator('[data-test="certificate-status"]')).toContainText("Revoked");
    // What was issued stays checkable: the PDF's hash is still shown.
    await expect(someone.page.locator('[data-test="certificate-sha256"]')).toHaveText(pdfSha256);
    expect(someone.errors, "console errors (visitor)").toEqual([]);
    await someone.context.close();

    // The member no longer has it among their current certificates, only in the history.
    const member = await newBrowser(browser, baseURL, javaScriptEnabled);
    await signIn(member.page, memberEmail, "/certificates");
    await expect(member.page.locator('[data-test="certificate"]')).toHaveCount(0);
    await expect(member.page.locator('[data-test="certificate-history"]')).toContainText("Revoked");
    expect(member.errors, "console errors (member)").toEqual([]);
    await member.context.close();
  });
});

test("an unknown code shows the not-found page", async ({ page }) => {
  const errors = watchConsole(page);
  // Well formed, but no certificate has it (codes are 80 random bits).
  const response = await page.goto("/verify/0000-0000-0000-0000");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("No certificate with this code");
  await expect(page.locator('[data-test="verify-unknown"]')).toBeVisible();
  await expect(page.locator('[data-test="certificate-holder"]')).toHaveCount(0);

  // Typed into the form it lands on the same answer.
  const form = page.locator('[data-test="verify-form"]');
  await form.getByLabel("Verification code").fill("zzzz zzzz zzzz zzzz");
  await form.getByRole("button", { name: "Verify" }).click();
  await page.waitForURL((url) => url.pathname === "/verify/ZZZZ-ZZZZ-ZZZZ-ZZZZ");
  await expect(page.locator('[data-test="verify-unknown"]')).toBeVisible();

  // The browser reports each 404 document as a failed resource; nothing else may fail.
  expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
});
