// The request log in Chromium against the running stack: real requests through the fake upstream
// (successes on two keys and two models, an upstream 401, the relay's own refusal, and enough to
// need a second page) reach the page once their usage is flushed; the page filters, pages by
// cursor and names its time zone; an account's Errors button shows its error history; Settings
// changes the retention. Screenshots: en, zh, dark, phone.
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { adminCall } from "../e2e/harness/relay.ts";
import type { TestStack } from "../e2e/harness/stack.ts";
import { accountsPageForTests } from "./helpers.ts";
import { OUTPUT_DIR } from "./paths.ts";

const app = accountsPageForTests();
const ZONE = "Asia/Shanghai";

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });

interface LogPage {
  entries: Array<{ requestId: string; at: string; status: number; accountId: string | null }>;
  nextCursor: string | null;
}

async function poll<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function send(stack: TestStack, secret: string, model = "claude-sonnet-4-5"): Promise<number> {
  const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.text();
  return response.status;
}

/** The time as the page should write it: the page's zone, to the second. */
const timeText = (iso: string, locale: "en-US" | "zh-CN") =>
  new Intl.DateTimeFormat(locale, {
    timeZone: ZONE,
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hour12: false,
  }).format(new Date(iso));

async function openAs(
  browser: Browser,
  stack: TestStack,
  uiUrl: string,
  path: string,
  options: { lang: "en" | "zh"; theme: "light" | "dark"; phone?: boolean },
) {
  const context = await browser.newContext({
    timezoneId: ZONE,
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
  await page.goto(`${uiUrl}${path}`);
  return { page, problems, close: () => context.close() };
}

describe("the request log page", () => {
  it("lists real requests after the flush, filters, pages, names its zone; an account's errors", async () => {
    const { stack, token, upstream, ui, browser } = app();
    const call = <T>(method: string, path: string, body?: unknown) =>
      adminCall<T>(stack, token, method, path, body);
    const created = await call<{ account: { id: string } }>("POST", "/accounts/claude-console", {
      name: "log-fine",
      apiKey: "sk-ant-log-fine",
      baseUrl: `${upstream.url}/s/ok`,
    });
    const fine = created.account.id;
    const keyA = await call<{ key: { id: string }; secret: string }>("POST", "/keys", { name: "log-key-a" });
    const keyB = await call<{ key: { id: string }; secret: string }>("POST", "/keys", { name: "log-key-b" });
    for (const model of ["claude-sonnet-4-5", "claude-haiku-4-5", "claude-sonnet-4-5"]) {
      expect(await send(stack, keyA.secret, model)).toBe(200);
    }
    // Enough from key B for a second page (50 a page).
    for (let round = 0; round < 6; round++) {
      const statuses = await Promise.all(Array.from({ length: 10 }, () => send(stack, keyB.secret)));
      expect(statuses.every((s) => s === 200)).toBe(true);
    }
    // Only a broken account left: an upstream 401, then the relay's own refusal.
    await call("PATCH", `/accounts/${fine}`, { isActive: false });
    const broken = (
      await call<{ account: { id: string } }>("POST", "/accounts/claude-console", {
        name: "log-broken",
        apiKey: "sk-ant-log-broken",
        baseUrl: `${upstream.url}/s/401`,
      })
    ).account.id;
    expect(await send(stack, keyA.secret)).toBeGreaterThanOrEqual(400);
    expect(await send(stack, keyA.secret)).toBe(503);
    const total = 65;
    const newest = await poll("every request in the log", async () => {
      const page = await call<LogPage>("GET", "/request-log?limit=200");
      return page.entries.length === total ? page.entries : undefined;
    });

    const en = await openAs(browser, stack, ui.url, "/request-log", { lang: "en", theme: "light" });
    const rows = en.page.locator("[data-testid=log-row]");
    await rows.first().waitFor();
    expect(await en.page.locator("[data-testid=time-zone]").textContent()).toBe(
      `Times in ${ZONE}, UTC+08:00`,
    );
    expect(await rows.count()).toBe(50);
    const first = rows.first();
    expect(await first.getAttribute("data-request-id")).toBe(newest[0]?.requestId);
    expect(await first.locator("td").first().textContent()).toBe(timeText(newest[0]?.at ?? "", "en-US"));
    expect(await first.getAttribute("data-status")).toBe("503");
    await first.getByText("Refused by the relay").waitFor();
    await shot(en.page, "request-log");

    // Older requests: the cursor's next page, then the end of what is kept.
    await en.page.locator("[data-testid=log-older]").click();
    await en.page.locator("[data-testid=log-end]").waitFor();
    expect(await rows.count()).toBe(total);
    const shown = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-request-id")));
    expect(shown).toEqual(newest.map((e) => e.requestId));

    // Filters: each narrows the list, and the page's address keeps them.
    const filters = en.page.locator("[data-testid=log-filters]");
    await filters.locator("select[name=keyId]").selectOption({ label: "log-key-a" });
    await poll("key A's requests", async () => ((await rows.count()) === 5 ? true : undefined));
    expect(en.page.url()).toContain(`keyId=${keyA.key.id}`);
    await filters.locator("input[name=model]").fill("haiku");
    await filters.locator("input[name=model]").press("Enter");
    await poll("key A's haiku request", async () => ((await rows.count()) === 1 ? true : undefined));
    await filters.locator("[data-testid=log-clear]").click();
    await filters.locator("input[name=errorsOnly]").check();
    await poll("the two errors", async () => ((await rows.count()) === 2 ? true : undefined));
    expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-status")))).toEqual([
      "503",
      String(newest[1]?.status),
    ]);
    await shot(en.page, "request-log-errors");
    await filters.locator("[data-testid=log-clear]").click();
    await filters.locator("select[name=status]").selectOption("2xx");
    await filters.locator("select[name=accountId]").selectOption({ label: "log-fine" });
    await poll("the successes on the fine account", async () =>
      (await rows.count()) === 50 ? true : undefined,
    );
    expect(await en.page.locator("[data-testid=log-older]").count()).toBe(1);
    expect(en.problems).toEqual([]);

    // The broken account's error history, from the Accounts page.
    await en.page.click("nav >> text=Accounts");
    const accountRow = en.page.locator("[data-testid=account-row]", { hasText: "log-broken" });
    await accountRow.locator("[data-testid=account-errors]").click();
    const dialog = en.page.locator("[data-testid=account-errors]").last();
    const errorRows = dialog.locator("[data-testid=log-row]");
    await errorRows.first().waitFor();
    const expectedErrors = newest.filter((e) => e.accountId === broken && e.status >= 400);
    expect(expectedErrors.length).toBeGreaterThan(0);
    expect(await errorRows.count()).toBe(expectedErrors.length);
    await shot(en.page, "account-errors");
    await dialog.getByText("All requests of this account").click();
    await poll("the broken account's requests", async () =>
      en.page.url().includes(`accountId=${broken}`) && (await rows.count()) === expectedErrors.length
        ? true
        : undefined,
    );

    // Settings: the retention, checked before it is sent.
    await en.page.click("nav >> text=Settings");
    const form = en.page.locator("[data-testid=request-log-settings]");
    await form.locator("input[name=retentionDays]").fill("0");
    await form.locator("[data-testid=save-request-log]").click();
    await form.getByText("Out of range").waitFor();
    await form.locator("input[name=retentionDays]").fill("7");
    await form.locator("[data-testid=save-request-log]").click();
    await form.getByText("Saved").waitFor();
    expect(await call("GET", "/settings/request-log")).toEqual({
      retentionDays: 7,
      maxEntries: 20_000,
      updatedAt: expect.any(String),
    });
    await en.page.evaluate(() => window.scrollTo(0, 0));
    await shot(en.page, "settings-request-log");
    expect(en.problems).toEqual([]);
    await en.close();

    const zh = await openAs(browser, stack, ui.url, "/request-log?errorsOnly=1", {
      lang: "zh",
      theme: "light",
    });
    await zh.page.locator("[data-testid=log-row]").first().waitFor();
    expect(await zh.page.locator("[data-testid=time-zone]").textContent()).toBe(
      `时间按 ${ZONE}, UTC+08:00 显示`,
    );
    expect(await zh.page.locator("[data-testid=log-row]").first().locator("td").first().textContent()).toBe(
      timeText(newest[0]?.at ?? "", "zh-CN"),
    );
    await zh.page.getByText("被中转拒绝").waitFor();
    await shot(zh.page, "request-log-zh");
    expect(zh.problems).toEqual([]);
    await zh.close();

    const dark = await openAs(browser, stack, ui.url, "/request-log", { lang: "en", theme: "dark" });
    await dark.page.locator("[data-testid=log-row]").first().waitFor();
    expect(await dark.page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await shot(dark.page, "request-log-dark");
    expect(dark.problems).toEqual([]);
    await dark.close();

    const phone = await openAs(browser, stack, ui.url, "/request-log?errorsOnly=1", {
      lang: "zh",
      theme: "dark",
      phone: true,
    });
    await phone.page.locator("[data-testid=log-row]").first().waitFor();
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await shot(phone.page, "phone-request-log-zh-dark");
    expect(phone.problems).toEqual([]);
    await phone.close();
  });
});
