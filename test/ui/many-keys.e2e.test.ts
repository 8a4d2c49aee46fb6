// Issue 21 item 2 in Chromium against the running stack: 5,000 keys seeded through the batch
// endpoint, the Keys page's first load measured (and reported), then search, paging, sorting by
// total cost, batch create with its secrets downloaded as CSV, batch disable / delete, the deleted
// list with restore, and a tag renamed across keys. Screenshots: en, zh, dark, phone.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { adminCall } from "../e2e/harness/relay.ts";
import type { TestStack } from "../e2e/harness/stack.ts";
import { accountsPageForTests } from "./helpers.ts";
import { OUTPUT_DIR } from "./paths.ts";

const app = accountsPageForTests();
const KEYS = 5_000;
const BATCH = 500;

/** A phone's page of 50 cards is metres long: its shots are of the screen only. */
const shot = (page: Page, name: string, fullPage = true) =>
  page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage });

async function poll<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function openKeys(
  browser: Browser,
  stack: TestStack,
  uiUrl: string,
  options: { lang: "en" | "zh"; theme: "light" | "dark"; phone?: boolean },
) {
  const context = await browser.newContext({
    acceptDownloads: true,
    ...(options.phone
      ? { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
      : { viewport: { width: 1280, height: 860 } }),
  });
  await context.addInitScript(
    ([lang, theme]) => {
      localStorage.setItem("edge-relay.lang", lang);
      localStorage.setItem("edge-relay.theme", theme);
    },
    [options.lang, options.theme] as const,
  );
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${uiUrl}/?api=${encodeURIComponent(stack.relayUrl)}`);
  await page.fill("input[name=username]", stack.adminLogin.username);
  await page.fill("input[name=password]", stack.adminLogin.password);
  await page.click("button[type=submit]");
  await page.locator("[data-testid=stat-today]").waitFor();
  // From the click on "Keys" in the nav to the first page of rows drawn.
  const started = Date.now();
  await page.click('nav a[href="/keys"]');
  await page.locator("[data-testid=key-row]").first().waitFor({ timeout: 60_000 });
  const loadMs = Date.now() - started;
  return { page, problems, loadMs, close: () => context.close() };
}

const rowNames = (page: Page) => page.locator("[data-testid=key-row] a.strong").allTextContents();
const total = async (page: Page) => (await page.locator("[data-testid=key-total]").textContent()) ?? "";

describe("the Keys page with 5,000 keys", () => {
  it("loads, searches, pages, sorts by cost, batches, deletes and restores, renames a tag", async () => {
    const { stack, token, upstream, ui, browser } = app();

    // The stack's own keys (if any) count too: totals below are relative to them.
    const before = (await adminCall<{ total: number }>(stack, token, "GET", "/keys?page=1&pageSize=1")).total;
    const seedStart = Date.now();
    for (let b = 0; b < KEYS / BATCH; b++) {
      await adminCall(stack, token, "POST", "/keys/batch", {
        count: BATCH,
        template: { name: `b${b}`, tags: [b < 5 ? "team-a" : "team-b"], limits: { dailyCostLimit: 20 } },
      });
    }
    const seedMs = Date.now() - seedStart;

    // One key with real spend, through the fake upstream, so "total cost" has a first.
    await adminCall(stack, token, "POST", "/accounts/claude-console", {
      name: "many-keys-console",
      apiKey: "sk-ant-many",
      baseUrl: `${upstream.url}/s/ok`,
    });
    const spender = await adminCall<{ key: { id: string }; secret: string }>(stack, token, "POST", "/keys", {
      name: "zz-spender",
    });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": spender.secret, "content-type": "application/json" },
        body: JSON.stringify({
          model: "claude-sonnet-4-5",
          max_tokens: 16,
          messages: [{ role: "user", content: "hi" }],
        }),
      });
      await response.text();
      expect(response.status).toBe(200);
    }
    await poll("the spender's flushed cost", async () => {
      const usage = await adminCall<{ total: { costMicroUsd: number } }>(
        stack,
        token,
        "GET",
        `/keys/${spender.key.id}/usage`,
      );
      return usage.total.costMicroUsd > 0 ? usage : undefined;
    });

    // First load with 5,001 keys, measured from the nav click to the first rows.
    const en = await openKeys(browser, stack, ui.url, { lang: "en", theme: "light" });
    const apiMs = Number(await en.page.locator("[data-testid=key-load-ms]").getAttribute("data-ms"));
    const timing = { keys: KEYS, seedMs, firstLoadMs: en.loadMs, apiMs };
    writeFileSync(join(OUTPUT_DIR, "many-keys-timing.json"), `${JSON.stringify(timing, null, 2)}\n`);
    console.info(`many keys: ${JSON.stringify(timing)}`);
    expect(await total(en.page)).toBe(`${before + KEYS + 1} keys`);
    expect(await en.page.locator("[data-testid=key-row]").count()).toBe(50);
    expect(en.loadMs).toBeLessThan(15_000);
    await shot(en.page, "many-keys-en");

    // Sort by total cost: the spender first, its cost shown.
    await en.page.selectOption("[data-testid=key-sort]", "costTotal");
    await poll("the spender first", async () =>
      (await rowNames(en.page))[0] === "zz-spender" ? true : undefined,
    );
    expect(await en.page.locator("[data-testid=key-costs]").first().textContent()).not.toContain(
      "$0.00 / $0.00",
    );

    // Search by name, then by tag; page through.
    await en.page.fill("[data-testid=key-search]", "b3-042");
    await poll("one match", async () => ((await rowNames(en.page)).join() === "b3-042" ? true : undefined));
    await en.page.fill("[data-testid=key-search]", "");
    await en.page.selectOption("[data-testid=key-sort]", "name");
    await en.page.selectOption("[data-testid=key-tag-filter]", "team-b");
    await poll("2,500 of team-b", async () => ((await total(en.page)).includes("2500") ? true : undefined));
    await en.page.click("[data-testid=page-next]");
    await poll("page 2", async () =>
      (await en.page.locator("[data-testid=page-of]").textContent()) === "Page 2 of 50" ? true : undefined,
    );

    // Select three keys: disable them, then delete them; the deleted list restores one.
    await en.page.selectOption("[data-testid=key-tag-filter]", "");
    await en.page.fill("[data-testid=key-search]", "b9-00");
    await poll("b9-00x keys", async () => ((await rowNames(en.page)).length === 9 ? true : undefined));
    const checks = en.page.locator("[data-testid=select-key]");
    for (let i = 0; i < 3; i++) await checks.nth(i).check();
    await en.page.click("[data-testid=batch-disable]");
    await poll("three disabled", async () =>
      (await en.page.locator('[data-testid=key-row][data-status="disabled"]').count()) === 3
        ? true
        : undefined,
    );
    for (let i = 0; i < 3; i++) await checks.nth(i).check();
    await en.page.click("[data-testid=batch-delete]");
    await shot(en.page, "many-keys-delete-confirm");
    await en.page.click(".modal button.danger");
    await poll("six left", async () => ((await rowNames(en.page)).length === 6 ? true : undefined));
    await en.page.selectOption("[data-testid=key-status-filter]", "deleted");
    await poll("three deleted", async () =>
      (await en.page.locator('[data-testid=key-row][data-status="deleted"]').count()) === 3
        ? true
        : undefined,
    );
    await shot(en.page, "many-keys-deleted-en");
    await en.page.locator("[data-testid=restore-key]").first().click();
    await poll("two deleted", async () => ((await rowNames(en.page)).length === 2 ? true : undefined));

    // Batch create three from the page: the secrets shown once and downloaded as CSV.
    await en.page.fill("[data-testid=key-search]", "");
    await en.page.selectOption("[data-testid=key-status-filter]", "all");
    await en.page.click("[data-testid=batch-create]");
    const form = en.page.locator("[data-testid=batch-create-form]");
    await form.locator("input").nth(0).fill("3");
    await form.locator("input").nth(1).fill("ui-batch");
    await form.locator("input").nth(2).fill("ui, made-here");
    await en.page.click("[data-testid=batch-create-submit]");
    const secrets = await en.page.locator("[data-testid=batch-secrets]").inputValue();
    expect(secrets.trim().split("\n")).toHaveLength(3);
    await shot(en.page, "many-keys-batch-secrets");
    const [download] = await Promise.all([
      en.page.waitForEvent("download"),
      en.page.click("[data-testid=download-csv]"),
    ]);
    const csv = readFileSync((await download.path()) ?? "", "utf8")
      .trim()
      .split("\r\n");
    expect(csv[0]).toBe("name,id,key");
    expect(csv.slice(1).map((line) => line.split(",")[0])).toEqual([
      "ui-batch-1",
      "ui-batch-2",
      "ui-batch-3",
    ]);
    for (const line of csv.slice(1)) expect(secrets).toContain(line.split(",")[2] ?? "missing");
    await en.page.click("[data-testid=batch-secrets-done]");
    // 5,001 less two still deleted, plus three.
    const after = `${before + KEYS + 2} keys`;
    await poll(after, async () => ((await total(en.page)) === after ? true : undefined));

    // Rename a tag across keys.
    await en.page.click("[data-testid=manage-tags]");
    await en.page.locator('[data-tag="made-here"] [data-testid=rename-tag]').click();
    await en.page.fill("[data-testid=rename-tag-input]", "renamed-here");
    await en.page.click("[data-testid=rename-tag-save]");
    await en.page.locator('[data-tag="renamed-here"]').waitFor();
    await shot(en.page, "many-keys-tags");
    expect(en.problems).toEqual([]);
    await en.close();

    // Chinese in the dark; the phone.
    const zh = await openKeys(browser, stack, ui.url, { lang: "zh", theme: "dark" });
    expect(await total(zh.page)).toContain(String(before + KEYS + 2));
    await zh.page.locator("[data-testid=select-key]").first().check();
    await zh.page.locator("[data-testid=batch-bar]").waitFor();
    await shot(zh.page, "many-keys-zh-dark");
    await zh.page.selectOption("[data-testid=key-status-filter]", "deleted");
    await zh.page.locator('[data-testid=key-row][data-status="deleted"]').first().waitFor();
    await shot(zh.page, "many-keys-deleted-zh-dark");
    expect(zh.problems).toEqual([]);
    await zh.close();

    const phone = await openKeys(browser, stack, ui.url, { lang: "en", theme: "light", phone: true });
    await shot(phone.page, "many-keys-phone", false);
    await phone.page.locator("[data-testid=select-key]").first().check();
    await phone.page.locator("[data-testid=batch-bar]").scrollIntoViewIfNeeded();
    await shot(phone.page, "many-keys-phone-selected", false);
    expect(phone.problems).toEqual([]);
    await phone.close();
    const zhPhone = await openKeys(browser, stack, ui.url, { lang: "zh", theme: "light", phone: true });
    await shot(zhPhone.page, "many-keys-phone-zh", false);
    await zhPhone.close();
  }, 600_000);
});
