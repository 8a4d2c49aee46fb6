// The single-origin deployment: the Worker serves the built dashboard itself (wrangler `assets`
// with `run_worker_first`), so the UI calls its own origin and needs no CORS. The project's
// wrangler.jsonc leaves `assets` out (wrangler refuses a missing directory, and admin-ui/dist is
// built, not committed); this test adds it to a copy, pointed at the UI built for the tests.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, type TestStack } from "../e2e/harness/stack.ts";
import { chromiumAvailable, launchChromium } from "./browser.ts";
import { expectDashboardSecurityHeaders } from "./helpers.ts";
import { OUTPUT_DIR, ROOT, UI_DIST } from "./paths.ts";

/** JSON with comments and trailing commas → JSON. */
function stripJsonc(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j;
    } else if (ch === "/" && text[i + 1] === "/") {
      while (i < text.length && text[i] !== "\n") i++;
      out += "\n";
    } else if (ch === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
    } else {
      out += ch;
    }
  }
  return out.replace(/,(\s*[}\]])/g, "$1");
}

let dir: string;
let stack: TestStack;
let browser: Browser;

beforeAll(async () => {
  if (!chromiumAvailable()) throw new Error("Chromium not found at /usr/bin/chromium");
  dir = mkdtempSync(join(tmpdir(), "edge-relay-ui-origin-"));
  const config = JSON.parse(stripJsonc(readFileSync(join(ROOT, "wrangler.jsonc"), "utf8"))) as Record<
    string,
    unknown
  >;
  delete config.$schema;
  config.main = join(ROOT, String(config.main));
  config.assets = {
    directory: UI_DIST,
    binding: "ASSETS",
    run_worker_first: true,
    not_found_handling: "single-page-application",
  };
  const configPath = join(dir, "wrangler.json");
  writeFileSync(configPath, JSON.stringify(config, null, 2));
  stack = await startTestStack({ wranglerConfig: configPath });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the Worker serving the dashboard", () => {
  it("serves the app to browsers and keeps JSON 404s for API clients", async () => {
    const page = await fetch(`${stack.relayUrl}/`, { headers: { accept: "text/html" } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    expect(page.headers.get("x-request-id")).toMatch(/^req_/);
    // The dashboard's security headers; its API calls may go to its own origin only.
    expectDashboardSecurityHeaders(page.headers);
    expect(page.headers.get("content-security-policy")).toContain("connect-src 'self';");
    // A route of the app, loaded directly.
    const deep = await fetch(`${stack.relayUrl}/keys/some-id`, { headers: { accept: "text/html,*/*" } });
    expect(deep.status).toBe(200);
    expect(await deep.text()).toContain('<div id="root">');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const js = await fetch(`${stack.relayUrl}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toContain("javascript");
    await js.body?.cancel();
    // An API client's wrong path is still the API's JSON error; the API itself is untouched.
    const wrong = await fetch(`${stack.relayUrl}/no/such/route`, { headers: { accept: "application/json" } });
    expect(wrong.status).toBe(404);
    expect(await wrong.json()).toMatchObject({ error: { type: "not_found" } });
    // Under an OpenAI mount, the 404 comes in OpenAI's shape.
    const openai = await fetch(`${stack.relayUrl}/v1/nowhere`, { headers: { accept: "application/json" } });
    expect(openai.status).toBe(404);
    expect(await openai.json()).toMatchObject({ error: { type: "invalid_request_error" } });
    const health = await fetch(`${stack.relayUrl}/health`, { headers: { accept: "text/html" } });
    expect(await health.json()).toMatchObject({ status: "healthy" });
    // No CORS for any origin when none is configured (single origin needs none).
    const preflight = await fetch(`${stack.relayUrl}/admin/keys`, {
      method: "OPTIONS",
      headers: { origin: "https://elsewhere.example", "access-control-request-method": "GET" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("logs in and shows the dashboard from the relay's own origin", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    // A policy violation is reported on the console: the app must run under its own policy.
    page.on("console", (message) => {
      if (message.type() === "error" && /Content Security Policy/i.test(message.text()))
        errors.push(message.text());
    });
    await page.goto(`${stack.relayUrl}/`);
    await page.fill("input[name=username]", stack.adminLogin.username);
    await page.fill("input[name=password]", stack.adminLogin.password);
    await page.click("button[type=submit]");
    await page.locator("[data-testid=stat-today]").waitFor();
    await page.click("nav >> text=API keys");
    await page.locator("[data-testid=key-row]").first().waitFor();
    await page.screenshot({ path: join(OUTPUT_DIR, "single-origin-keys.png") });
    await page.goto(`${stack.relayUrl}/stats`);
    await page.fill("input[name=apiKey]", stack.devRelayKey);
    await page.locator("[data-testid=stats-submit]").click();
    await page.locator("[data-testid=stats-report]").waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });
});
