// The user portal and the setup guide in real Chromium against the real local stack, the way a user
// gets going: the admin makes the user, the user signs in, makes a key (shown once, with the setup
// lines filled in), copies the Anthropic and OpenAI SDKs' lines and runs them for real through the
// relay, sees those requests on the key's usage page, changes the password and deletes the key;
// en + zh, light + dark, phone width. The admin opens the same guide from the key's page and from a
// new key's dialog. Screenshots land in test-output/ui/portal-*.png.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KEY_PLACEHOLDER } from "../../admin-ui/src/lib/setup-guide.ts";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { adminCall, adminToken } from "../e2e/harness/relay.ts";
import { startTestStack, type TestStack } from "../e2e/harness/stack.ts";
import { chromiumAvailable, launchChromium } from "./browser.ts";
import { OUTPUT_DIR, UI_DIST } from "./paths.ts";
import { type StaticServer, serveStatic } from "./static-server.ts";

const run = promisify(execFile);

let upstream: FakeUpstream;
let ui: StaticServer;
let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;
const problems: string[] = [];

const USER = { username: "portal-dana", password: "dana-first-password" };
const NEW_PASSWORD = "dana-second-password";
/** What the test learns along the way. */
const state = { userId: "", keyId: "", secret: "" };

const shot = (p: Page, name: string) =>
  p.screenshot({ path: join(OUTPUT_DIR, `portal-${name}.png`), fullPage: true });

function watch(p: Page): void {
  p.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  p.on("console", (message) => {
    // Refused logins and passwords are logged by Chromium as failed resource loads: expected here.
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
}

const overflow = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

async function portalLogin(p: Page, password: string): Promise<void> {
  const form = p.locator("[data-testid=portal-login]");
  await form.waitFor();
  await form.locator("input[name=username]").fill(USER.username);
  await form.locator("input[name=password]").fill(password);
  await form.locator("button[type=submit]").click();
}

async function relayStatus(secret: string): Promise<number> {
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

/** The text a block's copy button put on the clipboard. */
async function copyBlock(p: Page, kind: string): Promise<string> {
  const block = p.locator(`[data-testid=guide-block][data-kind=${kind}]`);
  await block.locator("[data-testid=copy]").click();
  await block.getByText("Copied").waitFor();
  const copied = await p.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(await block.locator("[data-testid=guide-code]").textContent());
  return copied;
}

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium not found at /usr/bin/chromium (or set CHROMIUM_PATH)");
  upstream = await startFakeUpstream();
  ui = await serveStatic(UI_DIST);
  stack = await startTestStack({ extraVars: { ADMIN_UI_ORIGIN: ui.url } });
  token = await adminToken(stack);
  await adminCall(stack, token, "POST", "/accounts/claude-console", {
    name: "portal-console",
    apiKey: "sk-ant-portal-test",
    baseUrl: upstream.url,
    priority: 10,
  });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: ui.url });
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await ui?.close();
  await upstream?.close();
});

describe("the user portal in Chromium", () => {
  it("lets a user the admin created sign in, after showing a wrong password's refusal", async () => {
    const created = await adminCall<{ user: { id: string } }>(stack, token, "POST", "/users", {
      ...USER,
      maxKeys: 2,
      keyLimits: { dailyCostLimit: 5, concurrencyLimit: 2 },
    });
    state.userId = created.user.id;
    await page.goto(`${ui.url}/portal?api=${encodeURIComponent(stack.relayUrl)}`);
    await portalLogin(page, "not-the-password");
    await page.getByText("Wrong user name or password").waitFor();
    await shot(page, "login");
    await portalLogin(page, USER.password);
    await page.locator("[data-testid=portal-key-count]").getByText("0 of 2 keys").waitFor();
    expect(await page.locator("[data-testid=portal-user]").textContent()).toBe(USER.username);
    // The portal's session is its own: the admin pages still ask the admin to sign in.
    expect(await page.evaluate(() => sessionStorage.getItem("edge-relay.session"))).toBeNull();
  });

  it("creates a key within the admin's caps and shows it once, with the setup lines filled in", async () => {
    await page.locator("[data-testid=portal-new-key]").click();
    const form = page.locator("[data-testid=portal-key-form]");
    await form.getByText("At most $5.00; empty keeps it").waitFor();
    await form.locator("input[name=name]").fill("dana-laptop");
    await form.locator("input[name=dailyCostLimit]").fill("9");
    await form.locator("[data-testid=portal-create-key]").click();
    await form.getByText("Out of range").waitFor();
    await form.locator("input[name=dailyCostLimit]").fill("3");
    await shot(page, "new-key");
    await form.locator("[data-testid=portal-create-key]").click();
    const secret = (await page.locator("[data-testid=portal-secret]").textContent()) ?? "";
    expect(secret).toMatch(/^cr_[0-9a-f]{64}$/);
    state.secret = secret;
    const guide = page.locator("[data-testid=setup-guide]");
    // Claude Code first, the key and this relay's /api in its lines.
    const claudeLines = await copyBlock(page, "shell");
    expect(claudeLines).toContain(`export ANTHROPIC_BASE_URL=${stack.relayUrl}/api`);
    expect(claudeLines).toContain(`export ANTHROPIC_AUTH_TOKEN=${secret}`);
    expect(await guide.textContent()).not.toContain(KEY_PLACEHOLDER);
    await shot(page, "key-created");

    const keys = await adminCall<{ keys: { id: string; name: string; limits: Record<string, unknown> }[] }>(
      stack,
      token,
      "GET",
      `/users/${state.userId}/keys`,
    );
    const key = keys.keys.find((k) => k.name === "dana-laptop");
    expect(key?.limits).toMatchObject({ dailyCostLimit: 3, concurrencyLimit: 2 });
    state.keyId = key?.id ?? "";
  });

  it("runs the copied Anthropic and OpenAI SDK lines for real through the relay", async () => {
    for (const [client, sample] of [
      ["anthropic-sdk", "anthropic-node"],
      ["openai-sdk", "openai-node"],
    ] as const) {
      await page.locator(`[data-testid=guide-tab-${client}]`).click();
      const shell = await copyBlock(page, "shell");
      const program = await copyBlock(page, sample);
      // Inside the repository, so the script finds the SDK in its node_modules.
      const file = join(OUTPUT_DIR, `portal-${sample}-sample.mjs`);
      writeFileSync(file, program);
      const { stdout } = await run("bash", ["-c", `${shell}\n"${process.execPath}" "${file}"`], {
        env: { PATH: process.env.PATH },
        timeout: 60_000,
      });
      // The fake upstream's answer, printed by the sample.
      expect(stdout.trim().length, sample).toBeGreaterThan(0);
    }
    await page.locator("[data-testid=portal-secret-done]").click();
    expect(await page.locator("[data-testid=portal-secret]").count()).toBe(0);
    expect(await page.content()).not.toContain(state.secret);
    await page.locator("[data-testid=portal-key-count]").getByText("1 of 2 keys").waitFor();
  });

  it("shows those requests on the key's usage page, with the public page's cards and limits", async () => {
    const row = page.locator("[data-testid=portal-key-row]", { hasText: "dana-laptop" });
    await row.locator("[data-testid=portal-key-usage]").click();
    const today = page.locator("[data-testid=stats-today] .stat-sub");
    await today.waitFor();
    // The usage flush runs a moment after the request: refresh until it shows.
    const deadline = Date.now() + 30_000;
    while (!/^Requests: 2 /.test((await today.textContent()) ?? "")) {
      if (Date.now() > deadline) throw new Error(`usage never showed: ${await today.textContent()}`);
      await page.waitForTimeout(800);
      await page.locator("[data-testid=refresh]").click();
    }
    await page.locator("[data-testid=stats-limits]").waitFor();
    await page.locator("[data-testid=stats-models]").getByText("claude-sonnet-4-5").waitFor();
    expect(await page.locator("[data-testid=stats-chart-requests] canvas").count()).toBe(1);
    await shot(page, "usage");
  });

  it("shows the key's setup guide later with a placeholder, and says to replace it", async () => {
    await page.locator("[data-testid=portal-open-guide]").click();
    await page.locator("[data-testid=guide-placeholder-note]").waitFor();
    const code = await page.locator("[data-testid=guide-code]").first().textContent();
    expect(code).toContain(KEY_PLACEHOLDER);
    expect(await page.content()).not.toContain(state.secret);
    await page.locator("[data-testid=guide-tab-codex-cli]").click();
    const config = await copyBlock(page, "codex-config");
    expect(config).toContain(`base_url = "${stack.relayUrl}/openai"`);
    await shot(page, "guide");
  });

  it("reads in Chinese and in dark mode", async () => {
    await page.locator("[data-testid=lang]").selectOption("zh");
    await page.locator("[data-testid=theme]").click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.getByText("密钥只在创建时显示").waitFor();
    await shot(page, "guide-zh-dark");
    await page.click("nav >> text=我的密钥");
    await page.locator("[data-testid=portal-key-count]").getByText("已有 1 个，最多 2 个").waitFor();
    await shot(page, "keys-zh-dark");
    await page.locator("[data-testid=portal-key-usage]").first().click();
    await page.locator("[data-testid=stats-today]").getByText("请求 2 次").waitFor();
    await shot(page, "usage-zh-dark");
    await page.click("nav >> text=密码");
    await page.locator("[data-testid=password-form]").waitFor();
    await shot(page, "password-zh-dark");
    await page.locator("[data-testid=lang]").selectOption("en");
    await page.locator("[data-testid=theme]").click();
  });

  it("fits a phone's width", async () => {
    const phone = await browser.newContext({
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    const small = await phone.newPage();
    watch(small);
    await small.goto(`${ui.url}/portal?api=${encodeURIComponent(stack.relayUrl)}`);
    await portalLogin(small, USER.password);
    await small.locator("[data-testid=portal-key-row]").first().waitFor();
    expect(await overflow(small)).toBeLessThanOrEqual(0);
    await shot(small, "phone-keys");
    await small.locator("[data-testid=portal-key-usage]").first().click();
    await small.locator("[data-testid=stats-chart-requests] canvas").waitFor();
    expect(await overflow(small)).toBeLessThanOrEqual(0);
    await shot(small, "phone-usage");
    await small.locator("[data-testid=portal-open-guide]").click();
    await small.locator("[data-testid=guide-placeholder-note]").waitFor();
    expect(await overflow(small)).toBeLessThanOrEqual(0);
    await shot(small, "phone-guide");
    await phone.close();
  });

  it("changes the password: the current one is checked, the old one stops working", async () => {
    await page.click("nav >> text=Password");
    const form = page.locator("[data-testid=password-form]");
    await form.locator("input[name=current]").fill("not-my-password");
    await form.locator("input[name=next]").fill(NEW_PASSWORD);
    await form.locator("input[name=repeat]").fill(`${NEW_PASSWORD}-typo`);
    await form.locator("[data-testid=change-password]").click();
    await form.getByText("The two passwords differ").waitFor();
    await form.locator("input[name=repeat]").fill(NEW_PASSWORD);
    await form.locator("[data-testid=change-password]").click();
    // A wrong current password is refused without ending the session.
    await form.getByText("The current password is wrong").waitFor();
    await form.locator("input[name=current]").fill(USER.password);
    // Sessions carry whole seconds: the change ends those issued before its second.
    await page.waitForTimeout(1_100);
    await form.locator("[data-testid=change-password]").click();
    await page.locator("[data-testid=password-changed]").waitFor();
    await shot(page, "password");
    // The page's session goes on (the relay answered a new one); the old password is refused.
    await page.click("nav >> text=My keys");
    await page.locator("[data-testid=portal-key-row]").first().waitFor();
    await page.locator("[data-testid=portal-logout]").click();
    await portalLogin(page, USER.password);
    await page.getByText("Wrong user name or password").waitFor();
    await portalLogin(page, NEW_PASSWORD);
    await page.locator("[data-testid=portal-key-row]").first().waitFor();
  });

  it("shows the admin the same guide from the key's page, and with the secret when the admin makes a key", async () => {
    const admin = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const adminPage = await admin.newPage();
    watch(adminPage);
    await adminPage.goto(`${ui.url}/?api=${encodeURIComponent(stack.relayUrl)}`);
    await adminPage.fill("input[name=username]", stack.adminLogin.username);
    await adminPage.fill("input[name=password]", stack.adminLogin.password);
    await adminPage.click("button[type=submit]");
    await adminPage.locator("[data-testid=stat-today]").waitFor();
    await adminPage.goto(`${ui.url}/keys/${state.keyId}`);
    await adminPage.locator("[data-testid=key-setup-guide]").click();
    const guide = adminPage.locator("[data-testid=setup-guide]");
    await guide.getByText("For the key dana-laptop.").waitFor();
    await adminPage.locator("[data-testid=guide-placeholder-note]").waitFor();
    expect(await guide.locator("[data-testid=guide-code]").first().textContent()).toContain(
      `ANTHROPIC_BASE_URL=${stack.relayUrl}/api`,
    );
    await shot(adminPage, "admin-key-guide");
    // A key the admin makes: its one-time dialog offers the lines with the new secret in them.
    await adminPage.click("nav >> text=API keys");
    await adminPage.locator("[data-testid=new-key]").click();
    const form = adminPage.locator("[data-testid=key-form]");
    await form.locator("input[name=name]").fill("handed-over");
    await form.locator("[data-testid=save-key]").click();
    const secret = (await adminPage.locator("[data-testid=secret]").textContent()) ?? "";
    expect(secret).toMatch(/^cr_/);
    await adminPage.locator("[data-testid=secret-guide]").click();
    await adminPage.locator("[data-testid=guide-tab-gemini-cli]").click();
    const lines = adminPage.locator("[data-testid=guide-block][data-kind=shell] [data-testid=guide-code]");
    expect(await lines.textContent()).toContain(`export GEMINI_API_KEY=${secret}`);
    await shot(adminPage, "admin-new-key-guide");
    await adminPage.locator("[data-testid=secret-done]").click();
    expect(await adminPage.content()).not.toContain(secret);
    await admin.close();
  });

  it("deletes the key: it leaves the list and the relay refuses it", async () => {
    expect(await relayStatus(state.secret)).toBe(200);
    const row = page.locator("[data-testid=portal-key-row]", { hasText: "dana-laptop" });
    await row.locator("[data-testid=portal-delete-key]").click();
    await page.getByText("Delete dana-laptop? Clients using it stop working at once.").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await page.getByText("No keys yet. Create one to start.").waitFor();
    await page.locator("[data-testid=portal-key-count]").getByText("0 of 2 keys").waitFor();
    expect(await relayStatus(state.secret)).toBe(401);
    await shot(page, "keys-after-delete");
    expect(problems).toEqual([]);
  });
});
