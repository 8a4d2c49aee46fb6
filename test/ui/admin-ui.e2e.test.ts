// The admin dashboard in real Chromium against the real local stack, the way an admin uses it:
// the built UI is served from its own origin (as on Cloudflare Pages) and reaches the relay
// through CORS (ADMIN_UI_ORIGIN). Screenshots of each main page land in test-output/ui/.
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { adminCall, adminToken } from "../e2e/harness/relay.ts";
import { startTestStack, type TestStack } from "../e2e/harness/stack.ts";
import { chromiumAvailable, launchChromium } from "./browser.ts";
import { expectDashboardSecurityHeaders } from "./helpers.ts";
import { OUTPUT_DIR, UI_DIST } from "./paths.ts";
import { type StaticServer, serveStatic } from "./static-server.ts";

let upstream: FakeUpstream;
let ui: StaticServer;
let stack: TestStack;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;
const problems: string[] = [];

/** What the test learns along the way. */
const state = { keyId: "", secret: "" };

interface KeyView {
  id: string;
  name: string;
  limits: Record<string, number | string[]>;
}

const shot = (p: Page, name: string) =>
  p.screenshot({ path: join(OUTPUT_DIR, `${name}.png`), fullPage: true });

function watch(p: Page): void {
  p.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  p.on("console", (message) => {
    // A refused login or lookup is logged by Chromium as a failed resource load: expected here.
    if (message.type() === "error" && !/Failed to load resource/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
}

async function poll<T>(
  what: string,
  read: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 400));
  }
}

async function sendMessage(secret: string, model = "claude-sonnet-4-5"): Promise<number> {
  const response = await fetch(`${stack.relayUrl}/api/v1/messages`, {
    method: "POST",
    headers: { "x-api-key": secret, "content-type": "application/json" },
    body: JSON.stringify({
      model,
      max_tokens: 32,
      messages: [{ role: "user", content: "hello from the ui test" }],
    }),
  });
  await response.text();
  return response.status;
}

beforeAll(async () => {
  if (!chromiumAvailable()) {
    throw new Error(
      "Chromium not found at /usr/bin/chromium: sudo apt-get install -y chromium (or set CHROMIUM_PATH)",
    );
  }
  upstream = await startFakeUpstream();
  ui = await serveStatic(UI_DIST);
  stack = await startTestStack({ extraVars: { ADMIN_UI_ORIGIN: ui.url } });
  token = await adminToken(stack);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  page = await context.newPage();
  watch(page);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await ui?.close();
  await upstream?.close();
});

describe("CORS for the dashboard's origin", () => {
  it("answers the UI origin's preflight and refuses others", async () => {
    const preflight = (origin: string, path: string) =>
      fetch(`${stack.relayUrl}${path}`, {
        method: "OPTIONS",
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization, content-type",
        },
      });
    const ok = await preflight(ui.url, "/admin/keys");
    expect(ok.status).toBe(204);
    expect(ok.headers.get("access-control-allow-origin")).toBe(ui.url);
    expect(ok.headers.get("access-control-allow-headers")).toContain("authorization");
    const stats = await preflight(ui.url, "/apiStats/api/user-stats");
    expect(stats.status).toBe(204);
    const other = await preflight("https://elsewhere.example", "/admin/keys");
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    // An error answer carries the header too, so the UI can read the API's message.
    const refused = await fetch(`${stack.relayUrl}/admin/keys`, { headers: { origin: ui.url } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("access-control-allow-origin")).toBe(ui.url);
    // The relay's client routes never answer a browser origin, the UI's included.
    const relayRoute = await preflight(ui.url, "/api/v1/messages");
    expect(relayRoute.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("serves the dashboard (as Pages would, from its _headers) with its security headers", async () => {
    const page = await fetch(`${ui.url}/keys`);
    expectDashboardSecurityHeaders(page.headers);
    expect(page.headers.get("content-security-policy")).toContain("object-src 'none'");
    expect(page.headers.get("referrer-policy")).toBe("no-referrer");
    // No inline script the policy would block: the app's own files only.
    expect(await page.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});

describe("the admin dashboard in Chromium", () => {
  it("logs in, showing the API's refusal first", async () => {
    await page.goto(`${ui.url}/?api=${encodeURIComponent(stack.relayUrl)}`);
    await page.locator("form.login-card").waitFor();
    // Validation before sending.
    await page.click("button[type=submit]");
    expect(await page.locator(".field-error").count()).toBe(2);
    await page.fill("input[name=username]", stack.adminLogin.username);
    await page.fill("input[name=password]", "wrong-password");
    await page.click("button[type=submit]");
    await page.getByText("Wrong user name or password").waitFor();
    await shot(page, "login");
    await page.fill("input[name=password]", stack.adminLogin.password);
    await page.click("button[type=submit]");
    await page.locator("[data-testid=stat-today]").waitFor();
    // The ?api= setting is remembered and dropped from the address bar.
    expect(new URL(page.url()).search).toBe("");
    expect(await page.evaluate(() => localStorage.getItem("edge-relay.apiBase"))).toBe(stack.relayUrl);
  });

  it("creates a key with limits and shows its secret once", async () => {
    await page.click("nav >> text=API keys");
    await page.locator("[data-testid=new-key]").click();
    const form = page.locator("[data-testid=key-form]");
    await form.waitFor();
    // Nothing is sent while a field is wrong.
    await form.locator("input[name=dailyCostLimit]").fill("-3");
    await form.locator("[data-testid=save-key]").click();
    await form.getByText("Please fix the marked fields.").waitFor();
    await form.locator("input[name=name]").fill("ui-alice");
    await form.locator("input[name=tags]").fill("team-a, ui");
    await form.locator("input[name=dailyCostLimit]").fill("5");
    await form.locator("input[name=totalCostLimit]").fill("50");
    await form.locator("input[name=concurrencyLimit]").fill("3");
    await form.locator("input[name=permission-claude]").check();
    await shot(page, "key-form");
    await form.locator("[data-testid=save-key]").click();
    const secret = (await page.locator("[data-testid=secret]").textContent()) ?? "";
    expect(secret).toMatch(/^cr_/);
    state.secret = secret;
    await shot(page, "key-secret");
    // A stray Escape does not lose the secret; only the button closes the dialog.
    await page.keyboard.press("Escape");
    expect(await page.locator("[data-testid=secret]").count()).toBe(1);
    await page.locator("[data-testid=secret-done]").click();
    expect(await page.locator("[data-testid=secret]").count()).toBe(0);
    const row = page.locator("[data-testid=key-row]", { hasText: "ui-alice" });
    await row.waitFor();
    state.keyId = (await row.getAttribute("data-key-id")) ?? "";
    const { key } = await adminCall<{ key: KeyView }>(stack, token, "GET", `/keys/${state.keyId}`);
    expect(key.limits).toMatchObject({
      dailyCostLimit: 5,
      totalCostLimit: 50,
      concurrencyLimit: 3,
      permissions: ["claude"],
    });
    // The secret is not on the page any more.
    expect(await page.content()).not.toContain(secret);
  });

  it("edits the key's limits", async () => {
    const row = page.locator("[data-testid=key-row]", { hasText: "ui-alice" });
    await row.locator("[data-testid=edit-key]").click();
    const form = page.locator("[data-testid=key-form]");
    await form.locator("input[name=dailyCostLimit]").fill("7.5");
    await form.locator("input[name=rateLimitRequests]").fill("100");
    await form.locator("[data-testid=save-key]").click();
    // A window is needed for a window limit: said before sending.
    await form.getByText("Set a window for window limits").waitFor();
    await form.locator("input[name=rateLimitWindowMinutes]").fill("60");
    await form.locator("[data-testid=save-key]").click();
    await form.waitFor({ state: "detached" });
    const { key } = await adminCall<{ key: KeyView }>(stack, token, "GET", `/keys/${state.keyId}`);
    expect(key.limits).toMatchObject({
      dailyCostLimit: 7.5,
      rateLimitRequests: 100,
      rateLimitWindowMinutes: 60,
      totalCostLimit: 50,
    });
    await row.locator("[data-testid=bar-daily]").getByText("$7.50").waitFor();
    await shot(page, "keys");
  });

  it("adds a Claude Console account pointed at the fake upstream", async () => {
    await page.click("nav >> text=Accounts");
    await page.locator("[data-testid=new-account]").click();
    const form = page.locator("[data-testid=account-form]");
    await form.locator("select[name=type]").selectOption("claude-console");
    await form.locator("input[name=account-name]").fill("ui-console");
    await form.locator("input[name=baseUrl]").fill("not a url");
    await form.locator("[data-testid=save-account]").click();
    await form.getByText("An http(s) URL").waitFor();
    await form.getByText("Required").first().waitFor();
    await form.locator("input[name=apiKey]").fill("sk-ant-ui-test");
    await form.locator("input[name=baseUrl]").fill(upstream.url);
    await form.locator("input[name=priority]").fill("10");
    await form.locator("[data-testid=save-account]").click();
    await form.waitFor({ state: "detached" });
    const row = page.locator("[data-testid=account-row]", { hasText: "ui-console" });
    await row.waitFor();
    await row.getByText("Active").waitFor();
    // Another platform's API-key account lands on its own tab.
    await page.locator("[data-testid=new-account]").click();
    await form.locator("select[name=type]").selectOption("gemini-api");
    await form.locator("input[name=account-name]").fill("ui-gemini");
    await form.locator("input[name=apiKey]").fill("AIza-ui-test");
    await form.locator("input[name=baseUrl]").fill(upstream.url);
    // Out of the shared pool: it serves only keys bound to it or to its groups.
    await form.locator("input[name=account-shared]").uncheck();
    await form.locator("[data-testid=save-account]").click();
    await page.locator("[data-testid=account-row]", { hasText: "ui-gemini" }).waitFor();
    const listed = await adminCall<{ accounts: { name: string; shared: boolean }[] }>(
      stack,
      token,
      "GET",
      "/accounts",
    );
    expect(listed.accounts.find((a) => a.name === "ui-gemini")?.shared).toBe(false);
    expect(listed.accounts.find((a) => a.name === "ui-console")?.shared).toBe(true);
    await page.getByRole("tab", { name: /Claude/ }).click();
    // The OAuth types offer their authorization link; the pasted code is asked for before sending.
    for (const [type, host] of [
      ["openai-oauth", "auth.openai.com"],
      ["claude-oauth", "claude.ai"],
    ] as const) {
      await page.locator("[data-testid=new-account]").click();
      await form.locator("select[name=type]").selectOption(type);
      await form.locator("input[name=account-name]").fill(`ui-${type}`);
      await form.locator("[data-testid=save-account]").click();
      await form.getByText("Get the authorization link first").waitFor();
      await form.locator("[data-testid=oauth-link]").click();
      const href = (await form.locator("[data-testid=auth-url]").getAttribute("href")) ?? "";
      expect(new URL(href).host).toBe(host);
      if (type === "claude-oauth") await shot(page, "account-form-oauth");
      await page.keyboard.press("Escape");
      await form.waitFor({ state: "detached" });
    }
    await shot(page, "accounts");
  });

  it("shows a request made with the key on the dashboard and in the key's detail", async () => {
    expect(await sendMessage(state.secret)).toBe(200);
    await page.click("nav >> text=Dashboard");
    await poll("the request in today's totals", async () => {
      await page.locator("[data-testid=refresh]").click();
      const text = (await page.locator("[data-testid=stat-today] .stat-sub").textContent()) ?? "";
      return text.startsWith("Requests: 1 ");
    });
    await page.locator("[data-testid=top-keys]").getByText("ui-alice").waitFor();
    await page.locator("[data-testid=top-models]").getByText("claude-sonnet-4-5").waitFor();
    expect(await page.locator("[data-testid=chart-requests] canvas").count()).toBe(1);
    await page.locator("[data-testid=daily]").click();
    await page.locator("[data-testid=hourly]").click();
    await page.locator("[data-testid=account-health]").getByText("Active: 2").waitFor();
    await shot(page, "dashboard");

    await page.locator("[data-testid=top-keys]").getByText("ui-alice").click();
    await page.locator("[data-testid=recent]").getByText("claude-sonnet-4-5").waitFor();
    expect(await page.locator("[data-testid=key-today] .stat-sub").textContent()).toMatch(/^Requests: 1 /);
    await page.locator("[data-testid=live]").waitFor();
    expect(await page.locator("[data-testid=chart-cost] canvas").count()).toBe(1);
    await shot(page, "key-detail");
  });

  it("edits price overrides on the settings page", async () => {
    await page.click("nav >> text=Settings");
    const overrides = page.locator("[data-testid=overrides]");
    await overrides.getByText("+ Add model").click();
    await overrides.getByText("Save").click();
    await overrides.getByText("Model name is required").waitFor();
    await overrides.locator("input[aria-label=Model]").fill("ui-test-model");
    await overrides.locator("input[aria-label=Input]").fill("3");
    await overrides.locator("input[aria-label=Output]").fill("15");
    await overrides.getByText("Save").click();
    await overrides.getByText("Saved").waitFor();
    const info = await adminCall<{ overrides: Record<string, Record<string, number>> }>(
      stack,
      token,
      "GET",
      "/pricing",
    );
    expect(info.overrides["ui-test-model"]).toEqual({
      input_cost_per_token: 3e-6,
      output_cost_per_token: 1.5e-5,
    });
    await page.locator("[data-testid=status]").getByText("OK").waitFor();
    await shot(page, "settings");
  });

  it("creates a portal user, showing its generated password once", async () => {
    await page.click("nav >> text=Users");
    await page.locator("[data-testid=new-user]").click();
    const form = page.locator("[data-testid=user-form]");
    await form.locator("input[name=password]").fill("short");
    await form.locator("[data-testid=save-user]").click();
    await form.getByText("Required", { exact: true }).waitFor();
    await form.getByText("At least 8 characters").waitFor();
    await form.locator("input[name=username]").fill("ui-bob");
    await form.locator("input[name=password]").fill("");
    await form.locator("input[name=maxKeys]").fill("3");
    await form.locator("input[name=dailyCostLimit]").fill("2.5");
    await form.locator("[data-testid=save-user]").click();
    const password = (await page.locator("[data-testid=user-password]").textContent()) ?? "";
    expect(password.length).toBeGreaterThanOrEqual(8);
    await page.locator("[data-testid=password-done]").click();
    const row = page.locator("[data-testid=user-row]", { hasText: "ui-bob" });
    await row.waitFor();
    expect(await row.locator("[data-testid=user-key-count]").textContent()).toBe("0 / 3");
    const { users } = await adminCall<{
      users: { username: string; keyLimits: { dailyCostLimit: number } }[];
    }>(stack, token, "GET", "/users");
    expect(users.find((u) => u.username === "ui-bob")?.keyLimits.dailyCostLimit).toBe(2.5);
    await shot(page, "users");
  });

  it("adds a webhook target, test-sends to it and lists the delivery", async () => {
    await page.click("nav >> text=Webhooks");
    await page.locator("[data-testid=add-target]").click();
    const form = page.locator("[data-testid=target-form]");
    await form.locator("[data-testid=save-target]").click();
    await form.getByText("Required", { exact: true }).waitFor();
    await form.locator("input[name=name]").fill("ui sink");
    await form.locator("input[name=url]").fill(`${upstream.url}/__webhook/ui-sink`);
    await form.locator("input[name=secret]").fill("ui-signing-secret");
    await form.locator("[data-testid=save-target]").click();
    const row = page.locator("[data-testid=target-row]", { hasText: "ui sink" });
    await row.getByText("Set", { exact: true }).waitFor();
    await row.locator("[data-testid=test-target]").click();
    await page.locator("[data-testid=test-results]").getByText("Sent").waitFor();
    const delivery = page.locator("[data-testid=delivery-row]", { hasText: "ui sink" }).first();
    await delivery.waitFor();
    expect(await delivery.textContent()).toContain("200");
    const sink = await (await fetch(`${upstream.url}/__webhook/ui-sink`)).json();
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0].headers["x-edge-relay-signature"]).toBeTruthy();
    // The secret is never shown back, and saving again without it keeps it.
    const config = await adminCall<{ targets: { secretSet: boolean; secret?: string }[] }>(
      stack,
      token,
      "GET",
      "/webhooks",
    );
    expect(config.targets[0]).toMatchObject({ secretSet: true });
    expect(config.targets[0]?.secret).toBeUndefined();
    await row.locator("[data-testid=edit-target]").click();
    expect(await form.locator("input[name=secret]").inputValue()).toBe("");
    await form.locator("[data-testid=save-target]").click();
    await form.waitFor({ state: "detached" });
    const after = await adminCall<{ targets: { secretSet: boolean }[] }>(stack, token, "GET", "/webhooks");
    expect(after.targets[0]?.secretSet).toBe(true);
    await shot(page, "webhooks");
  });

  it("switches to Chinese and dark mode, and remembers both", async () => {
    await page.click("nav >> text=Dashboard");
    await page.locator("[data-testid=lang]").selectOption("zh");
    await page.locator("nav >> text=仪表盘").waitFor();
    await page.locator("[data-testid=theme]").click();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    await page.reload();
    await page.locator("nav >> text=API 密钥").waitFor();
    expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe("dark");
    expect(await page.evaluate(() => document.documentElement.lang)).toBe("zh-CN");
    await page.locator("[data-testid=stat-today]").getByText("请求 1 次").waitFor();
    await shot(page, "dashboard-zh-dark");
    await page.click("nav >> text=API 密钥");
    await page.locator("[data-testid=key-row]").first().waitFor();
    await shot(page, "keys-zh-dark");
    await page.locator("[data-testid=lang]").selectOption("en");
    await page.locator("[data-testid=theme]").click();
  });

  it("shows a key's usage on the public page without a login", async () => {
    const visitor = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const publicPage = await visitor.newPage();
    watch(publicPage);
    // A fresh browser: the relay comes from ?api=, no admin session.
    await publicPage.goto(`${ui.url}/stats?api=${encodeURIComponent(stack.relayUrl)}`);
    await publicPage.fill("input[name=apiKey]", "not-a-key");
    await publicPage.locator("[data-testid=stats-submit]").click();
    await publicPage.getByText("A relay key starts with cr_").waitFor();
    await publicPage.fill("input[name=apiKey]", "cr_0000000000000000000000000000");
    await publicPage.locator("[data-testid=stats-submit]").click();
    await publicPage.getByText(/Invalid API key/).waitFor();
    await publicPage.fill("input[name=apiKey]", state.secret);
    await publicPage.locator("[data-testid=stats-submit]").click();
    const report = publicPage.locator("[data-testid=stats-report]");
    await report.getByText("ui-alice").waitFor();
    expect(await publicPage.locator("[data-testid=stats-today] .stat-sub").textContent()).toMatch(
      /^Requests: 1 /,
    );
    await report.getByText("Daily cost").waitFor();
    await report
      .getByText(/left\)/)
      .first()
      .waitFor();
    await publicPage.locator("[data-testid=stats-models]").getByText("claude-sonnet-4-5").waitFor();
    expect(await publicPage.locator("[data-testid=stats-chart-requests] canvas").count()).toBe(1);
    await shot(publicPage, "public-stats");
    await visitor.close();
  });

  it("tests an account's connection from the accounts page", async () => {
    await adminCall(stack, token, "POST", "/accounts/claude-console", {
      name: "ui-broken",
      apiKey: "sk-ant-ui-broken-secret",
      baseUrl: `${upstream.url}/s/401`,
      priority: 90,
    });
    await page.click("nav >> text=Accounts");
    const good = page.locator("[data-testid=account-row]", { hasText: "ui-console" });
    await good.locator("[data-testid=test-account]").click();
    const verdict = good.locator("[data-testid=test-result]");
    await verdict.getByText("Connected").waitFor();
    expect(await verdict.textContent()).toContain("HTTP 200");
    const broken = page.locator("[data-testid=account-row]", { hasText: "ui-broken" });
    await broken.locator("[data-testid=test-account]").click();
    const refused = broken.locator("[data-testid=test-result]");
    await refused.getByText("Failed").waitFor();
    expect(await refused.textContent()).toContain("HTTP 401");
    expect(await page.content()).not.toContain("sk-ant-ui-broken-secret");
    await shot(page, "accounts-test");
  });

  it("creates an account group and binds a key to it in the key form", async () => {
    await page.click("nav >> text=Groups");
    await page.locator("[data-testid=new-group]").click();
    const form = page.locator("[data-testid=group-form]");
    await form.locator("[data-testid=save-group]").click();
    await form.getByText("Required", { exact: true }).waitFor();
    await form.locator("input[name=name]").fill("ui-team");
    await form.locator("select[name=platform]").selectOption("claude");
    await form.locator("input[name=member-ui-console]").check();
    await form.locator("[data-testid=save-group]").click();
    await form.waitFor({ state: "detached" });
    const row = page.locator("[data-testid=group-row]", { hasText: "ui-team" });
    await row.getByText("ui-console").waitFor();
    const { groups } = await adminCall<{ groups: { id: string; name: string; memberIds: string[] }[] }>(
      stack,
      token,
      "GET",
      "/groups",
    );
    const group = groups.find((g) => g.name === "ui-team");
    expect(group?.memberIds).toHaveLength(1);

    await page.click("nav >> text=API keys");
    await page
      .locator("[data-testid=key-row]", { hasText: "ui-alice" })
      .locator("[data-testid=edit-key]")
      .click();
    const keyForm = page.locator("[data-testid=key-form]");
    await keyForm.locator("select[name=bind-claude]").selectOption({ label: "Group: ui-team" });
    await keyForm.locator("[data-testid=save-key]").click();
    await keyForm.waitFor({ state: "detached" });
    const { key } = await adminCall<{ key: { boundAccounts: Record<string, string> } }>(
      stack,
      token,
      "GET",
      `/keys/${state.keyId}`,
    );
    expect(key.boundAccounts).toEqual({ claude: `group:${group?.id}` });
    // The group's member serves the key.
    expect(await sendMessage(state.secret)).toBe(200);
    await page.click("nav >> text=Groups");
    await page.locator("[data-testid=group-row]", { hasText: "ui-team" }).getByText("ui-alice").waitFor();
    await shot(page, "groups");
  });

  it("lists a failed request under recent errors and splits usage by model and account", async () => {
    const { group } = await adminCall<{ group: { id: string } }>(stack, token, "POST", "/groups", {
      name: "ui-broken-group",
      platform: "claude",
      memberIds: [
        (
          await adminCall<{ accounts: { id: string; name: string }[] }>(stack, token, "GET", "/accounts")
        ).accounts.find((a) => a.name === "ui-broken")?.id,
      ],
    });
    const failing = await adminCall<{ secret: string }>(stack, token, "POST", "/keys", {
      name: "ui-failing",
      boundAccounts: { claude: `group:${group.id}` },
    });
    expect(await sendMessage(failing.secret)).toBeGreaterThanOrEqual(400);
    await page.click("nav >> text=Dashboard");
    const errors = page.locator("[data-testid=recent-errors]");
    await poll("the failed request in recent errors", async () => {
      await page.locator("[data-testid=refresh]").click();
      await page.waitForTimeout(300);
      return (await errors.locator("[data-testid=error-row]", { hasText: "ui-failing" }).count()) > 0;
    });
    expect(await errors.textContent()).not.toContain(failing.secret);
    const byModel = page.locator("[data-testid=chart-by-model]");
    expect(await byModel.locator("canvas").count()).toBe(1);
    await byModel.locator(".u-legend").getByText("claude-sonnet-4-5").waitFor();
    await page.locator("[data-testid=breakdown-account]").click();
    await page.locator("[data-testid=chart-by-account] .u-legend").getByText("ui-console").waitFor();
    await shot(page, "dashboard-breakdown");
    await page.locator("[data-testid=breakdown-model]").click();
  });

  it("shows the branding set in the settings on every page", async () => {
    await page.click("nav >> text=Settings");
    const form = page.locator("[data-testid=branding-form]");
    await form.locator("input[name=logoUrl]").fill("http://plain.example/logo.png");
    await form.locator("[data-testid=save-branding]").click();
    await form.getByText("An https:// URL or a data:image URL").waitFor();
    await form.locator("input[name=logoUrl]").fill("");
    await form.locator("input[name=siteName]").fill("Acme Relay");
    await form.locator("textarea[name=notice]").fill("Maintenance tonight at 22:00");
    await form.locator("[data-testid=save-branding]").click();
    await form.getByText("Saved").waitFor();
    await page.locator(".topbar [data-testid=brand-name]").getByText("Acme Relay").waitFor();
    expect(await page.title()).toBe("Acme Relay");
    await page.locator("[data-testid=brand-notice]").getByText("Maintenance tonight").waitFor();
    await shot(page, "settings-branding");

    const visitor = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const publicPage = await visitor.newPage();
    watch(publicPage);
    await publicPage.goto(`${ui.url}/stats?api=${encodeURIComponent(stack.relayUrl)}`);
    await publicPage.locator("[data-testid=brand-name]").getByText("Acme Relay").waitFor();
    await publicPage.locator("[data-testid=brand-notice]").getByText("Maintenance tonight").waitFor();
    await visitor.close();
  });

  it("lists a model served without a price and prices it from the settings page", async () => {
    expect(await sendMessage(state.secret, "claude-ui-unpriced-1")).toBe(200);
    await poll("the unpriced model in the admin API", async () => {
      const { models } = await adminCall<{ models: Array<{ model: string }> }>(
        stack,
        token,
        "GET",
        "/pricing/unpriced",
      );
      return models.some((m) => m.model === "claude-ui-unpriced-1");
    });
    // The list is read when the page opens.
    await page.click("nav >> text=Dashboard");
    await page.click("nav >> text=Settings");
    const unpriced = page.locator("[data-testid=unpriced-models]");
    const row = unpriced.locator("[data-testid=unpriced-row]", { hasText: "claude-ui-unpriced-1" });
    await row.waitFor();
    await shot(page, "settings-unpriced");
    await row.getByText("Add a price").click();
    const overrides = page.locator("[data-testid=overrides]");
    // A new row named for the model, last (after "ui-test-model"), with its input price focused.
    const added = overrides.locator("tr[data-row]").last();
    await poll("the input price focused", () =>
      page.evaluate(() => document.activeElement?.getAttribute("aria-label") === "Input"),
    );
    expect(await added.locator("input[aria-label=Model]").inputValue()).toBe("claude-ui-unpriced-1");
    await added.locator("input[aria-label=Input]").fill("1");
    await added.locator("input[aria-label=Output]").fill("5");
    await overrides.getByText("Save").click();
    await overrides.getByText("Saved").waitFor();
    await unpriced.getByText("Every model served has a price.").waitFor();
    const info = await adminCall<{ overrides: Record<string, Record<string, number>> }>(
      stack,
      token,
      "GET",
      "/pricing",
    );
    expect(info.overrides["claude-ui-unpriced-1"]).toEqual({
      input_cost_per_token: 1e-6,
      output_cost_per_token: 5e-6,
    });
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
    await small.goto(`${ui.url}/?api=${encodeURIComponent(stack.relayUrl)}`);
    await small.fill("input[name=username]", stack.adminLogin.username);
    await small.fill("input[name=password]", stack.adminLogin.password);
    await small.click("button[type=submit]");
    await small.locator("[data-testid=stat-today]").waitFor();
    await small.locator("[data-testid=chart-requests] canvas").waitFor();
    const overflow = () => small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(small, "phone-dashboard");
    await small.click("nav >> text=API keys");
    await small.locator("[data-testid=key-row]").first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(small, "phone-keys");
    await small.click("nav >> text=Accounts");
    await small.locator("[data-testid=account-row]").first().waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(small, "phone-accounts");
    await small.goto(`${ui.url}/stats`);
    await small.fill("input[name=apiKey]", state.secret);
    await small.locator("[data-testid=stats-submit]").click();
    await small.locator("[data-testid=stats-report]").waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await shot(small, "phone-public-stats");
    await phone.close();
  });

  it("ends the session on logout and when the token is refused", async () => {
    await page.locator("[data-testid=logout]").click();
    await page.locator("form.login-card").waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem("edge-relay.session"))).toBeNull();
    // A token the relay refuses (e.g. after a secret rotation) sends the admin back to the login.
    await page.evaluate(() =>
      sessionStorage.setItem(
        "edge-relay.session",
        JSON.stringify({ token: "not-a-valid-token", username: "admin", expiresAt: Date.now() + 3_600_000 }),
      ),
    );
    await page.reload();
    await page.getByText("Your session ended. Please sign in again.").waitFor();
    // An expired session is not even tried.
    await page.evaluate(() =>
      sessionStorage.setItem(
        "edge-relay.session",
        JSON.stringify({ token: "x", username: "admin", expiresAt: Date.now() - 1 }),
      ),
    );
    await page.reload();
    await page.locator("form.login-card").waitFor();
  });

  it("logged no page errors", () => {
    expect(problems).toEqual([]);
  });
});
