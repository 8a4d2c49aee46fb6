// A key's cost caps per platform and per model as bars, in Chromium against the running stack:
// real requests through the fake upstream fill the key's gate; the key page, the Keys table and
// the public stats page show each cap beside what it has counted, and usage without a limit is
// labelled as usage ("no limit" beside it). Screenshots: en, zh, dark, phone.
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { formatCost, percentOf } from "../../admin-ui/src/lib/format.ts";
import { adminCall } from "../e2e/harness/relay.ts";
import type { TestStack } from "../e2e/harness/stack.ts";
import { accountsPageForTests } from "./helpers.ts";
import { OUTPUT_DIR } from "./paths.ts";

const app = accountsPageForTests();

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });

async function poll<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function send(stack: TestStack, secret: string, model: string): Promise<number> {
  const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json" },
    body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  });
  await response.text();
  return response.status;
}

async function openAs(
  browser: Browser,
  stack: TestStack,
  uiUrl: string,
  path: string,
  options: { lang: "en" | "zh"; theme: "light" | "dark"; phone?: boolean; login: boolean },
) {
  const context = await browser.newContext(
    options.phone
      ? { viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
      : { viewport: { width: 1280, height: 860 } },
  );
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
  if (options.login) {
    await page.goto(`${uiUrl}/?api=${encodeURIComponent(stack.relayUrl)}`);
    await page.fill("input[name=username]", stack.adminLogin.username);
    await page.fill("input[name=password]", stack.adminLogin.password);
    await page.click("button[type=submit]");
    await page.locator("[data-testid=stat-today]").waitFor();
    await page.goto(`${uiUrl}${path}`);
  } else await page.goto(`${uiUrl}${path}?api=${encodeURIComponent(stack.relayUrl)}`);
  return { page, problems, close: () => context.close() };
}

/** The text of a bar: its label and "used / limit". */
const barText = async (page: Page, testId: string) =>
  ((await page.locator(`[data-testid=${testId}]`).first().textContent()) ?? "").replace(/\s+/g, " ").trim();

describe("platform and model cost caps on the key page, the Keys table and the public page", () => {
  it("shows each cap as a bar beside what it has counted, in English and Chinese", async () => {
    const { stack, token, upstream, ui, browser } = app();
    await adminCall(stack, token, "POST", "/accounts/claude-console", {
      name: "ui-caps-console",
      apiKey: "sk-ant-ui-caps",
      baseUrl: `${upstream.url}/s/ok`,
    });
    const created = await adminCall<{ key: { id: string }; secret: string }>(stack, token, "POST", "/keys", {
      name: "ui-caps",
      limits: {
        platformLimits: [
          { platform: "claude", dailyCostLimit: 5, totalCostLimit: 50 },
          { platform: "gemini", dailyCostLimit: 1, totalCostLimit: 0 },
        ],
        // Tight enough for its bar to show in the screenshots.
        modelLimits: [{ model: "claude-opus-4*", dailyCostLimit: 0, totalCostLimit: 0.001 }],
      },
    });
    const { id } = created.key;
    for (let i = 0; i < 2; i++) expect(await send(stack, created.secret, "claude-opus-4-1")).toBe(200);
    const live = await poll("the gate's Claude tally", async () => {
      const state = await adminCall<{
        caps: { platforms: { platform: string; dayCostMicroUsd: number }[] };
      }>(stack, token, "GET", `/keys/${id}/live`);
      const claude = state.caps.platforms.find((p) => p.platform === "claude");
      return claude && claude.dayCostMicroUsd > 0 ? state : undefined;
    });
    const spent = (live.caps.platforms.find((p) => p.platform === "claude")?.dayCostMicroUsd ?? 0) / 1e6;
    const usd = formatCost(spent);

    // The key page: a bar per cap set, each "used / limit"; unset usage labelled as usage.
    const en = await openAs(browser, stack, ui.url, `/keys/${id}`, {
      lang: "en",
      theme: "light",
      login: true,
    });
    const panel = en.page.locator("[data-testid=live]");
    await panel.waitFor();
    await en.page.locator("[data-testid=cap-platform-claude-daily]").waitFor();
    expect(await barText(en.page, "cap-platform-claude-daily")).toBe(`Claude · today${usd} / $5.00`);
    expect(await barText(en.page, "cap-platform-claude-total")).toBe(`Claude · total${usd} / $50.00`);
    expect(await barText(en.page, "cap-platform-gemini-daily")).toBe("Gemini · today$0.00 / $1.00");
    // A cap of 0 has no bar.
    expect(await en.page.locator("[data-testid=cap-platform-gemini-total]").count()).toBe(0);
    expect(await barText(en.page, "cap-model-claude-opus-4_-total")).toBe(
      `claude-opus-4* · total${usd} / $0.001`,
    );
    expect(
      await en.page
        .locator("[data-testid=cap-platform-claude-daily] [role=progressbar]")
        .getAttribute("aria-valuenow"),
    ).toBe(String(Math.round(percentOf(spent, 5))));
    // Issue 21: no "Token limit 44" under "No limits set": usage is called usage, "no limit" beside it.
    const panelText = (await panel.textContent()) ?? "";
    expect(panelText).not.toMatch(/Token limit|Concurrency\d/);
    expect(panelText).toMatch(/Tokens used[\d.,kKM]+ · no limit/);
    expect(panelText).toMatch(/Requests in flight0 · no limit/);
    expect(panelText).toMatch(/Spent today\$[\d.]+ · no limit/);
    // The caps are listed with the key's settings, too.
    await en.page.getByText("Cost limits per platform").waitFor();
    await shot(en.page, "key-cost-caps");

    // The Keys table: the same bars in the key's row.
    await en.page.goto(`${ui.url}/keys`);
    const row = en.page.locator("tr", { hasText: "ui-caps" });
    await row.locator("[data-testid=cap-platform-claude-daily]").waitFor();
    expect(await row.locator("[data-testid=cap-platform-claude-daily]").textContent()).toContain("/ $5.00");
    await shot(en.page, "keys-cost-caps");

    // The form edits them as lines.
    await row.getByText("Edit").first().click();
    const caps = en.page.locator("textarea[name=platformCaps]");
    await caps.waitFor();
    expect(await caps.inputValue()).toBe("claude 5 50\ngemini 1 0");
    expect(await en.page.locator("textarea[name=modelCaps]").inputValue()).toBe("claude-opus-4* 0 0.001");
    await caps.fill("claude 5 50\nbedrock nope");
    await en.page.locator("button[type=submit]").last().click();
    await en.page.getByText(/Each line: a platform/).waitFor();
    await caps.fill("claude 6 50\nazure-openai 0 3");
    await en.page.locator("button[type=submit]").last().click();
    await poll("the saved caps", async () => {
      const got = await adminCall<{ key: { limits: { platformLimits: unknown[] } } }>(
        stack,
        token,
        "GET",
        `/keys/${id}`,
      );
      return got.key.limits.platformLimits.length === 2 &&
        JSON.stringify(got.key.limits.platformLimits).includes('"azure-openai"')
        ? got
        : undefined;
    });
    expect(en.problems).toEqual([]);
    await en.close();

    // Chinese and dark: the same bars, in Chinese.
    const zh = await openAs(browser, stack, ui.url, `/keys/${id}`, {
      lang: "zh",
      theme: "dark",
      login: true,
    });
    await zh.page.locator("[data-testid=cap-platform-claude-daily]").waitFor();
    expect(await barText(zh.page, "cap-platform-claude-daily")).toBe(`Claude · 今日${usd} / $6.00`);
    expect((await zh.page.locator("[data-testid=live]").textContent()) ?? "").toMatch(
      /已用 Token[\d.,kKM]+ · 不限/,
    );
    await shot(zh.page, "key-cost-caps-zh-dark");
    await zh.close();

    // The public stats page: the same caps, each with what is left.
    for (const lang of ["en", "zh"] as const) {
      const visitor = await openAs(browser, stack, ui.url, "/stats", { lang, theme: "light", login: false });
      await visitor.page.fill("input[name=apiKey]", created.secret);
      await visitor.page.locator("[data-testid=stats-submit]").click();
      const limits = visitor.page.locator("[data-testid=stats-limits]");
      await limits.locator("[data-testid=cap-platform-claude-daily]").waitFor();
      const claude = await barText(visitor.page, "cap-platform-claude-daily");
      expect(claude).toBe(
        lang === "en"
          ? `Claude · today${usd} / $6.00 (${formatCost(6 - spent)} left)`
          : `Claude · 今日${usd} / $6.00 (剩余 ${formatCost(6 - spent)})`,
      );
      expect(await barText(visitor.page, "cap-model-claude-opus-4_-total")).toContain(`${usd} / $0.001`);
      expect(await barText(visitor.page, "cap-platform-azure-openai-total")).toContain("$0.00 / $3.00");
      // A limit not set: the spend, and "no limit" beside it.
      expect((await limits.textContent()) ?? "").toMatch(
        lang === "en" ? /Spent today\$[\d.]+ · no limit/ : /今日已用费用\$[\d.]+ · 不限/,
      );
      await shot(visitor.page, `public-stats-cost-caps${lang === "zh" ? "-zh" : ""}`);
      expect(visitor.problems).toEqual([]);
      await visitor.close();
    }
    const phone = await openAs(browser, stack, ui.url, "/stats", {
      lang: "en",
      theme: "dark",
      phone: true,
      login: false,
    });
    await phone.page.fill("input[name=apiKey]", created.secret);
    await phone.page.locator("[data-testid=stats-submit]").click();
    await phone.page.locator("[data-testid=cap-platform-claude-daily]").waitFor();
    await shot(phone.page, "public-stats-cost-caps-phone-dark");
    await phone.close();
  });
});
