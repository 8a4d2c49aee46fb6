// Settings → Billing events in Chromium against the running stack: the admin sets the HTTP sink
// (URL, secret), sends a test batch, and after real requests the section shows them delivered;
// the secret is never shown back. Screenshots: en, zh dark.
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { adminCall } from "../e2e/harness/relay.ts";
import type { TestStack } from "../e2e/harness/stack.ts";
import { accountsPageForTests } from "./helpers.ts";
import { OUTPUT_DIR } from "./paths.ts";

const app = accountsPageForTests();
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });

async function openSettings(
  browser: Browser,
  stack: TestStack,
  uiUrl: string,
  options: { lang: "en" | "zh"; theme: "light" | "dark" },
) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
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
  await page.goto(`${uiUrl}/settings`);
  await page.locator("[data-testid=billing-settings]").waitFor();
  return { page, problems, close: () => context.close() };
}

describe("Settings → Billing events", () => {
  it("sets the sink, sends a test batch and shows real requests delivered; the secret is never shown", async () => {
    const { stack, token, upstream, ui, browser } = app();
    const sinkUrl = `${upstream.url}/__webhook/ui-billing`;
    const en = await openSettings(browser, stack, ui.url, { lang: "en", theme: "light" });
    const form = en.page.locator("[data-testid=billing-settings]");
    await form.locator("input[name=enabled]").check();
    await form.locator("input[name=url]").fill(sinkUrl);
    await form.locator("input[name=secret]").fill("ui-billing-secret");
    await en.page.click("[data-testid=save-billing]");
    await form.getByText("A secret is set; leave empty to keep it.").waitFor();
    expect(await form.locator("input[name=secret]").inputValue()).toBe("");
    const saved = await adminCall<{ url: string; secretSet: boolean; sink: string }>(
      stack,
      token,
      "GET",
      "/settings/billing",
    );
    expect(saved).toMatchObject({ url: sinkUrl, secretSet: true, sink: "http" });

    await en.page.click("[data-testid=billing-test]");
    await en.page.getByText("The sink answered 200.").waitFor();

    await adminCall(stack, token, "POST", "/accounts/claude-console", {
      name: "billing-ui",
      apiKey: "sk-ant-billing-ui",
      baseUrl: `${upstream.url}/s/ok`,
    });
    const key = await adminCall<{ secret: string }>(stack, token, "POST", "/keys", { name: "billing-ui" });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
        method: "POST",
        headers: { "x-api-key": key.secret, "content-type": "application/json" },
        body: JSON.stringify({
          model: "claude-sonnet-4-5",
          max_tokens: 16,
          messages: [{ role: "user", content: "hi" }],
        }),
      });
      await response.text();
      expect(response.status).toBe(200);
    }
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await adminCall<{ delivered: number }>(stack, token, "GET", "/billing/status");
      if (status.delivered >= 3 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    await en.page.reload();
    const status = en.page.locator("[data-testid=billing-status]");
    await status.getByText("this URL").waitFor();
    expect(await status.locator("dt:text-is('Delivered') + dd").textContent()).toBe("3");
    await shot(en.page, "billing-settings");
    expect(await en.page.content()).not.toContain("ui-billing-secret");
    expect(en.problems).toEqual([]);
    await en.close();

    const zh = await openSettings(browser, stack, ui.url, { lang: "zh", theme: "dark" });
    await zh.page.locator("[data-testid=billing]").getByText("计费事件").first().waitFor();
    await zh.page.locator("[data-testid=billing-status]").getByText("此 URL").waitFor();
    await shot(zh.page, "billing-settings-zh-dark");
    expect(zh.problems).toEqual([]);
    await zh.close();
  }, 120_000);
});
