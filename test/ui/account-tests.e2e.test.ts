// Accounts at a glance, the rest of it (issue 21 item 5), in Chromium against the running stack:
// an account's scheduled test set from its Tests dialog, run by the account-test cron (wrangler
// dev's scheduled handler), its last result on the page and its history in the dialog; a failing
// account's scheduled test parks it; the account's usage per day from real requests. Screenshots:
// en, zh, dark, phone.
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { adminCall } from "../e2e/harness/relay.ts";
import type { TestStack } from "../e2e/harness/stack.ts";
import { type AccountView, accountsPageForTests } from "./helpers.ts";
import { OUTPUT_DIR } from "./paths.ts";

const app = accountsPageForTests();
const ZONE = "Asia/Shanghai";

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForFunction(() =>
    [...document.querySelectorAll("td")].every((cell) => cell.textContent?.trim() !== "…"),
  );
  await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });
}

async function poll<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** The account-test cron, as Cloudflare would fire it (wrangler dev's scheduled handler). */
async function runCron(stack: TestStack): Promise<void> {
  const response = await fetch(
    `${stack.relayUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent("*/5 * * * *")}`,
  );
  await response.text();
  expect(response.status).toBe(200);
}

async function openAs(
  browser: Browser,
  stack: TestStack,
  uiUrl: string,
  options: { lang: "en" | "zh"; theme: "light" | "dark"; phone?: boolean },
): Promise<{ page: Page; problems: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({
    timezoneId: ZONE,
    ...(options.phone
      ? { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
      : { viewport: { width: 1400, height: 900 } }),
  });
  await context.addInitScript(
    ([lang, theme]) => {
      localStorage.setItem("edge-relay.lang", lang);
      localStorage.setItem("edge-relay.theme", theme);
    },
    [options.lang, options.theme] as const,
  );
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${uiUrl}/?api=${encodeURIComponent(stack.relayUrl)}`);
  await page.fill("input[name=username]", stack.adminLogin.username);
  await page.fill("input[name=password]", stack.adminLogin.password);
  await page.click("button[type=submit]");
  await page.locator("[data-testid=stat-today]").waitFor();
  await page.goto(`${uiUrl}/accounts`);
  await page.locator("[data-testid=account-row]", { hasText: "ui-tested" }).waitFor();
  return { page, problems, close: () => context.close() };
}

describe("scheduled tests and usage per day on the Accounts page", () => {
  it("schedules a test, shows the cron's results and history, parks a failing account, charts its days", async () => {
    const { stack, token, upstream, ui, browser } = app();
    const { account: tested } = await adminCall<{ account: AccountView }>(
      stack,
      token,
      "POST",
      "/accounts/claude-console",
      {
        name: "ui-tested",
        apiKey: "sk-ant-ui-tested",
        baseUrl: `${upstream.url}/s/ok`,
      },
    );
    const { account: broken } = await adminCall<{ account: AccountView }>(
      stack,
      token,
      "POST",
      "/accounts/claude-console",
      {
        name: "ui-broken",
        apiKey: "sk-ant-ui-broken",
        baseUrl: `${upstream.url}/s/401`,
        priority: 99,
      },
    );
    // Real traffic through the tested account, for its days.
    const { secret } = await adminCall<{ secret: string }>(stack, token, "POST", "/keys", {
      name: "ui-daily",
      boundAccounts: { claude: tested.id },
    });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": secret, "content-type": "application/json" },
        body: JSON.stringify({
          model: "claude-sonnet-4-5",
          max_tokens: 16,
          messages: [{ role: "user", content: `hi ${i}` }],
        }),
      });
      await response.text();
      expect(response.status).toBe(200);
    }

    const en = await openAs(browser, stack, ui.url, { lang: "en", theme: "light" });
    const row = en.page.locator("[data-testid=account-row]", { hasText: "ui-tested" });
    expect(await row.locator("[data-testid=last-test]").textContent()).toContain("Not tested yet");
    // The schedule, set in the dialog.
    await row.locator("[data-testid=account-tests]").click();
    const dialog = en.page.locator("[data-testid=account-tests]").last();
    await dialog.locator("select[name=intervalMinutes]").selectOption("15");
    await dialog.getByText("Save").click();
    await dialog.locator("[data-testid=next-test]").waitFor();
    await en.page.keyboard.press("Escape");
    await adminCall(stack, token, "PUT", `/accounts/${broken.id}/test-schedule`, { intervalMinutes: 60 });

    await runCron(stack);
    await poll("both scheduled tests", async () => {
      const overview = await adminCall<{ accounts: { accountId: string; last: { ok: boolean } | null }[] }>(
        stack,
        token,
        "GET",
        "/account-tests",
      );
      return overview.accounts.every((a) => a.last) ? overview : undefined;
    });
    // The failing one was parked by its test, as a failed request would park it.
    const listed = await adminCall<{ accounts: AccountView[] }>(stack, token, "GET", "/accounts");
    expect(listed.accounts.find((a) => a.id === broken.id)?.health.status).toBe("unauthorized");
    // And the admin's own test joins the history.
    await row.locator("[data-testid=test-account]").click();
    await row.locator("[data-testid=test-result]").getByText("Connected").waitFor();

    await en.page.getByRole("button", { name: "Refresh" }).click();
    await row.locator("[data-testid=last-test]").getByText("OK").waitFor();
    expect(await row.locator("[data-testid=test-schedule]").textContent()).toBe("Every 15 min");
    const brokenRow = en.page.locator("[data-testid=account-row]", { hasText: "ui-broken" });
    await brokenRow.locator("[data-testid=last-test]").getByText("Failed").waitFor();
    expect(await brokenRow.locator("[data-testid=test-schedule]").textContent()).toBe("Every 1 h");
    await shot(en.page, "accounts-tests");

    await row.locator("[data-testid=account-tests]").click();
    const history = en.page.locator("[data-testid=test-history]");
    await history.waitFor();
    expect(await history.locator("[data-testid=test-run]").count()).toBe(2);
    expect(await history.locator("[data-testid=test-run]").first().textContent()).toContain("Admin");
    expect(await history.locator("[data-testid=test-run]").last().textContent()).toContain("Schedule");
    await en.page.screenshot({ path: join(OUTPUT_DIR, "account-test-history.png") });
    await en.page.keyboard.press("Escape");

    await brokenRow.locator("[data-testid=account-tests]").click();
    await en.page
      .locator("[data-testid=test-run]")
      .first()
      .getByRole("cell", { name: "401", exact: true })
      .waitFor();
    await en.page.screenshot({ path: join(OUTPUT_DIR, "account-test-history-failed.png") });
    await en.page.keyboard.press("Escape");

    // Usage per day: today's bar and row hold the three requests.
    await poll("the account's usage today", async () => {
      const days = await adminCall<{ requests: number }[]>(
        stack,
        token,
        "GET",
        `/usage/series?owner=account&id=${tested.id}&granularity=daily&points=30`,
      );
      return days.at(-1)?.requests === 3 ? days : undefined;
    });
    await row.locator("[data-testid=account-daily]").click();
    const daily = en.page.locator("[data-testid=daily-table]");
    await daily.waitFor();
    const rows = daily.locator("[data-testid=daily-row]");
    expect(await rows.count()).toBe(2);
    expect(await rows.first().locator("td").nth(1).textContent()).toBe("3");
    expect(await rows.last().textContent()).toContain("30 days");
    expect(await en.page.locator("[data-testid=daily-bars] > div").count()).toBe(30);
    expect(await en.page.locator("[data-testid=daily-bars] > div:not(.zero)").count()).toBe(1);
    await en.page.screenshot({ path: join(OUTPUT_DIR, "account-daily-usage.png") });
    expect(en.problems).toEqual([]);
    await en.close();

    const zh = await openAs(browser, stack, ui.url, { lang: "zh", theme: "light" });
    const zhRow = zh.page.locator("[data-testid=account-row]", { hasText: "ui-tested" });
    await zhRow.locator("[data-testid=last-test]").getByText("正常").waitFor();
    expect(await zhRow.locator("[data-testid=test-schedule]").textContent()).toBe("每 15 分钟");
    await shot(zh.page, "accounts-tests-zh");
    await zhRow.locator("[data-testid=account-tests]").click();
    await zh.page.locator("[data-testid=test-history]").getByText("定时").waitFor();
    await zh.page.screenshot({ path: join(OUTPUT_DIR, "account-test-history-zh.png") });
    await zh.page.keyboard.press("Escape");
    await zhRow.locator("[data-testid=account-daily]").click();
    await zh.page.locator("[data-testid=daily-table]").getByText("30 天合计").waitFor();
    await zh.page.screenshot({ path: join(OUTPUT_DIR, "account-daily-usage-zh.png") });
    expect(zh.problems).toEqual([]);
    await zh.close();

    const dark = await openAs(browser, stack, ui.url, { lang: "en", theme: "dark" });
    const darkRow = dark.page.locator("[data-testid=account-row]", { hasText: "ui-tested" });
    await darkRow.locator("[data-testid=account-daily]").click();
    await dark.page.locator("[data-testid=daily-table]").waitFor();
    await dark.page.screenshot({ path: join(OUTPUT_DIR, "account-daily-usage-dark.png") });
    expect(dark.problems).toEqual([]);
    await dark.close();

    const phone = await openAs(browser, stack, ui.url, { lang: "zh", theme: "dark", phone: true });
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    const phoneRow = phone.page.locator("[data-testid=account-row]", { hasText: "ui-tested" });
    await phoneRow.locator("[data-testid=last-test]").getByText("正常").waitFor();
    await shot(phone.page, "phone-accounts-tests-zh-dark");
    await phoneRow.locator("[data-testid=account-tests]").click();
    await phone.page.locator("[data-testid=test-history]").waitFor();
    await phone.page.screenshot({ path: join(OUTPUT_DIR, "phone-account-test-history-zh-dark.png") });
    expect(phone.problems).toEqual([]);
    await phone.close();
  });
});
