// The admin API under /admin: JWT-protected JSON, documented as OpenAPI at /admin/openapi.json.
import { services } from "../env.ts";
import { VERSION } from "../version.ts";
import { registerAccountTest } from "./account-test.ts";
import { registerAccounts } from "./accounts.ts";
import { createAdminApp } from "./app.ts";
import { registerAuth } from "./auth.ts";
import { registerAzureDroidAccounts } from "./azure-droid-accounts.ts";
import { registerBedrockAccounts } from "./bedrock-accounts.ts";
import { registerBilling } from "./billing.ts";
import { PUBLIC_BRANDING_PATH, registerBranding } from "./branding.ts";
import { registerClaudeOauth } from "./claude-oauth.ts";
import { uiCors } from "./cors.ts";
import { registerCostGovernance } from "./cost-governance.ts";
import { registerGeminiAccounts } from "./gemini-accounts.ts";
import { registerGroups } from "./groups.ts";
import { registerKeys } from "./keys.ts";
import { registerOpenaiAccounts } from "./openai-accounts.ts";
import { registerPricing } from "./pricing.ts";
import { registerRecentErrors } from "./recent-errors.ts";
import { registerRequestLog } from "./request-log.ts";
import { verifyAdminToken } from "./session.ts";
import { registerStatus } from "./status.ts";
import { registerUsage } from "./usage.ts";
import { registerUsageBreakdown } from "./usage-breakdown.ts";
import { registerUsers } from "./users.ts";
import { registerWebhooks } from "./webhooks.ts";

export const adminApp = createAdminApp();

const PUBLIC_PATHS = new Set(["/admin/auth/login", "/admin/openapi.json", PUBLIC_BRANDING_PATH]);

// Before authentication: a browser's preflight carries no token.
adminApp.use("*", uiCors);
adminApp.use("*", async (c, next) => {
  c.set("protocol", "admin");
  if (!PUBLIC_PATHS.has(new URL(c.req.url).pathname)) {
    c.set("adminUser", await verifyAdminToken(services(c.env).config, c.req.header("authorization")));
  }
  await next();
});

registerAuth(adminApp);
registerStatus(adminApp, VERSION);
registerKeys(adminApp);
registerCostGovernance(adminApp);
registerAccounts(adminApp);
registerAccountTest(adminApp);
registerClaudeOauth(adminApp);
registerGeminiAccounts(adminApp);
registerOpenaiAccounts(adminApp);
registerGroups(adminApp);
registerAzureDroidAccounts(adminApp);
registerBedrockAccounts(adminApp);
registerUsage(adminApp);
registerUsageBreakdown(adminApp);
registerRecentErrors(adminApp);
registerRequestLog(adminApp);
registerPricing(adminApp);
registerUsers(adminApp);
registerWebhooks(adminApp);
registerBranding(adminApp);
registerBilling(adminApp);

adminApp.openAPIRegistry.registerComponent("securitySchemes", "adminJwt", {
  type: "http",
  scheme: "bearer",
  bearerFormat: "JWT",
});

adminApp.doc31("/openapi.json", {
  openapi: "3.1.0",
  info: { title: "edge-relay admin API", version: VERSION },
});
