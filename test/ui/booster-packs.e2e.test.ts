// Booster packs and quota cards in Chromium against the running stack: a key past its daily limit
// gets a pack on the key page and is served again; its owner sees the pack and its draw on the
// public stats page, beside real and rated cost, and redeems a quota card there. Screenshots: en, zh.
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

async function send(stack: TestStack, secret: string): Promise<number> {
  const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json" },
    body: JSON.stringify({
      model: "claude-sonnet-4-5",
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
    }),
  });
  await response.text();
  return response.status;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function open(browser: Browser, lang: "en" | "zh") {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addInitScript((l) => {
    localStorage.setItem("edge-relay.lang", l);
    localStorage.setItem("edge-relay.theme", "light");
  }, lang);
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  return { page, problems, close: () => context.close() };
}

describe("booster packs and quota cards in the dashboard", () => {
  it("the admin grants a pack on the key page; the owner sees it and redeems a card on the public page", async () => {
    const { stack, token, upstream, ui, browser } = app();
    await adminCall(stack, token, "POST", "/accounts/claude-console", {
      name: "ui-packs-console",
      apiKey: "sk-ant-ui-packs",
      baseUrl: `${upstream.url}/s/ok`,
    });
    const created = await adminCall<{ key: { id: string }; secret: string }>(stack, token, "POST", "/keys", {
      name: "ui-packs",
      limits: { dailyCostLimit: 0.000001 },
    });
    const { id } = created.key;
    expect(await send(stack, created.secret)).toBe(200);
    await until("the daily limit", async () => (await send(stack, created.secret)) === 402);

    // The key page: no packs yet; the admin grants one, and the key is served again.
    const admin = await open(browser, "en");
    await admin.page.goto(`${ui.url}/?api=${encodeURIComponent(stack.relayUrl)}`);
    await admin.page.fill("input[name=username]", stack.adminLogin.username);
    await admin.page.fill("input[name=password]", stack.adminLogin.password);
    await admin.page.click("button[type=submit]");
    await admin.page.locator("[data-testid=stat-today]").waitFor();
    await admin.page.goto(`${ui.url}/keys/${id}`);
    const panel = admin.page.locator("[data-testid=booster-packs]");
    await panel.getByText("No booster packs.").waitFor();
    await panel.locator("input[name=amountUsd]").fill("2");
    await panel.locator("input[name=note]").fill("make-good");
    await panel.locator("[data-testid=grant-pack-submit]").click();
    await panel.getByText("make-good").waitFor();
    expect(await panel.locator("[data-testid=packs-left]").textContent()).toContain("$2.00");
    expect(await send(stack, created.secret)).toBe(200);
    await until("the draw", async () => {
      await admin.page
        .locator("button", { hasText: /Refresh/ })
        .first()
        .click();
      return (
        (await panel.locator("[data-testid=pack-draws] tbody tr").count()) > 0 &&
        !((await panel.textContent()) ?? "").includes("Nothing drawn yet.")
      );
    });
    await shot(admin.page, "key-booster-packs");
    expect(admin.problems).toEqual([]);
    await admin.close();

    // The public page: packs, the draw, real and rated cost, and a card redeemed with the key.
    const cards = await adminCall<{ cards: { code: string }[] }>(stack, token, "POST", "/quota-cards", {
      type: "quota",
      quotaAmount: 3,
      count: 2,
    });
    for (const [i, lang] of (["en", "zh"] as const).entries()) {
      const visitor = await open(browser, lang);
      await visitor.page.goto(`${ui.url}/stats?api=${encodeURIComponent(stack.relayUrl)}`);
      await visitor.page.fill("input[name=apiKey]", created.secret);
      await visitor.page.locator("[data-testid=stats-submit]").click();
      const packs = visitor.page.locator("[data-testid=booster-packs]");
      await packs.waitFor();
      await visitor.page.locator("[data-testid=rated-costs]").waitFor();
      expect((await packs.textContent()) ?? "").toContain("make-good");
      expect(await packs.locator("[data-testid=pack-draws] tbody tr").count()).toBe(1);
      const box = visitor.page.locator("[data-testid=redeem-card]");
      await box.locator("input[name=code]").fill(cards.cards[i]?.code ?? "");
      await box.locator("[data-testid=redeem-submit]").click();
      await box.locator("[data-testid=redeem-done]").waitFor();
      await until("the card's pack", async () => ((await packs.textContent()) ?? "").includes("$3.00"));
      // A code that does not exist is refused with the relay's message.
      await box.locator("input[name=code]").fill("QC-NONE-SUCH-CODE");
      await box.locator("[data-testid=redeem-submit]").click();
      await box.getByText("No such card").waitFor();
      await shot(visitor.page, lang === "en" ? "stats-booster-packs" : "stats-booster-packs-zh");
      expect(visitor.problems).toEqual([]);
      await visitor.close();
    }
  }, 120_000);
});
