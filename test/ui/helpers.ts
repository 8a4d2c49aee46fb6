// The setup the dashboard's account-form tests share: the fake upstream, the built UI, a relay
// stack that lets the UI's origin in, and one logged-in Chromium page on the Accounts page.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { Answer } from "../../admin-ui/src/api/generated.ts";
import { type FakeUpstream, startFakeUpstream } from "../../dev/fake-upstream/server.ts";
import { adminCall, adminToken } from "../e2e/harness/relay.ts";
import { startTestStack, type TestStack } from "../e2e/harness/stack.ts";
import { chromiumAvailable, launchChromium } from "./browser.ts";
import { UI_DIST } from "./paths.ts";
import { type StaticServer, serveStatic } from "./static-server.ts";

/** An account as GET /admin/accounts lists it. */
export type AccountView = Answer<"/accounts", "get">["accounts"][number];

export interface DashboardSession {
  upstream: FakeUpstream;
  ui: StaticServer;
  stack: TestStack;
  browser: Browser;
  page: Page;
  token: string;
  /** Uncaught errors in the page; a test ends by expecting none. */
  problems: string[];
  /** The first stored account of this type, read through the admin API. */
  accountOf(type: string): Promise<AccountView | undefined>;
  /** A new relay key's secret. */
  keySecret(name: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts everything, logs the admin in and opens the Accounts page. What was started is stopped
 * again (last first) by `stop`, or at once when a later step fails.
 */
export async function openAccountsPage(): Promise<DashboardSession> {
  if (!chromiumAvailable()) throw new Error("Chromium not found (see test/ui/browser.ts)");
  const started: Array<{ close(): Promise<void> }> = [];
  const stop = async () => {
    for (const thing of started.splice(0).reverse()) await thing.close();
  };
  try {
    const upstream = await startFakeUpstream();
    started.push(upstream);
    const ui = await serveStatic(UI_DIST);
    started.push(ui);
    const stack = await startTestStack({ extraVars: { ADMIN_UI_ORIGIN: ui.url } });
    started.push({ close: () => stack.stop() });
    const token = await adminToken(stack);
    const browser = await launchChromium();
    started.push(browser);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(`${ui.url}/?api=${encodeURIComponent(stack.relayUrl)}`);
    await page.fill("input[name=username]", stack.adminLogin.username);
    await page.fill("input[name=password]", stack.adminLogin.password);
    await page.click("button[type=submit]");
    await page.locator("[data-testid=stat-today]").waitFor();
    await page.click("nav >> text=Accounts");
    return {
      upstream,
      ui,
      stack,
      browser,
      page,
      token,
      problems,
      accountOf: async (type) =>
        (await adminCall<{ accounts: AccountView[] }>(stack, token, "GET", "/accounts")).accounts.find(
          (a) => a.type === type,
        ),
      keySecret: async (name) =>
        (await adminCall<{ secret: string }>(stack, token, "POST", "/keys", { name })).secret,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Opens the Accounts page before the file's tests and stops everything after them; the tests
 * read the session through the function returned.
 */
export function accountsPageForTests(): () => DashboardSession {
  let session: DashboardSession | undefined;
  beforeAll(async () => {
    session = await openAccountsPage();
  });
  afterAll(async () => {
    await session?.stop();
  });
  return () => {
    if (!session) throw new Error("the dashboard did not start");
    return session;
  };
}

/** The headers every page of the dashboard is served with, wherever it is served from. */
export function expectDashboardSecurityHeaders(headers: Headers) {
  const policy = headers.get("content-security-policy") ?? "";
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(headers.get("x-frame-options")).toBe("DENY");
  expect(headers.get("x-content-type-options")).toBe("nosniff");
}
