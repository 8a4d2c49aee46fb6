// edge-relay: the Worker. Routes per client protocol, the admin API, health.
import { Hono } from "hono";
import { ACCOUNT_TEST_CRON, runDueAccountTests } from "./account-tests/scheduled.ts";
import { uiCors } from "./admin/cors.ts";
import { adminApp } from "./admin/index.ts";
import { purgeDeletedKeys } from "./admin/key-batch.ts";
import { configProblems, type Env, services } from "./env.ts";
import type { RelayVariables } from "./http/context.ts";
import { asRelayError, errorResponse, RelayError } from "./http/errors.ts";
import { log } from "./http/log.ts";
import { dashboardSecurityHeaders } from "./http/security-headers.ts";
import { refreshPrices } from "./pricing/table.ts";
import { azureRoutes } from "./routes/azure.ts";
import { chatRoutes, unifiedChatRoutes } from "./routes/chat.ts";
import { claudeRoutes } from "./routes/claude.ts";
import { droidRoutes } from "./routes/droid.ts";
import { geminiRoutes } from "./routes/gemini.ts";
import { metricsHandler } from "./routes/metrics.ts";
import { openaiRoutes } from "./routes/openai.ts";
import { statsRoutes } from "./routes/stats.ts";
import { userPortal } from "./users/routes.ts";
import { VERSION } from "./version.ts";
import { HOUSEKEEPING_CRON, warnExpiringKeys } from "./webhooks/housekeeping.ts";

export { AccountPool } from "../durable-objects/account-pool/index.ts";
export { BillingOutbox } from "../durable-objects/billing-outbox/index.ts";
export { KeyGate } from "../durable-objects/key-gate/index.ts";
export { Notifier } from "../durable-objects/notifier/index.ts";

const DASHBOARD_HEADERS = dashboardSecurityHeaders();

const app = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

app.use("*", async (c, next) => {
  const startedAt = Date.now();
  const requestId = `req_${crypto.randomUUID().replaceAll("-", "")}`;
  c.set("requestId", requestId);
  c.set("protocol", "admin");
  await next();
  c.res.headers.set("x-request-id", requestId);
  if (c.env.LOG_REQUESTS === "true") {
    // Path only: a query string may carry a key (?key=…).
    const path = new URL(c.req.url).pathname;
    log("info", "request", {
      requestId,
      method: c.req.method,
      path,
      status: c.res.status,
      ms: Date.now() - startedAt,
    });
  }
});

app.get("/health", (c) => {
  // Workers have no startup step with the bindings: a deployment checks its configuration here.
  const check = configProblems(c.env);
  if (check.length > 0) {
    return c.json({ status: "misconfigured", service: "edge-relay", version: VERSION, check }, 503);
  }
  return c.json({ status: "healthy", service: "edge-relay", version: VERSION });
});

app.route("/api", claudeRoutes);
app.route("/claude", claudeRoutes);
app.route("/gemini", geminiRoutes);
app.route("/openai", openaiRoutes);
// OpenAI Chat Completions with the backend picked from the model (routes/chat.ts); /api/v1 is CRS's
// unified route and keeps Claude's GET /v1/models.
app.route("/openai/v1", chatRoutes);
app.route("/v1", chatRoutes);
app.route("/api/v1", unifiedChatRoutes);
app.route("/azure", azureRoutes);
app.route("/droid", droidRoutes);
app.route("/admin", adminApp);
app.route("/users", userPortal);
// The public usage page calls the stats API from the dashboard's origin too.
app.use("/apiStats/*", uiCors);
app.route("/apiStats", statsRoutes);
app.get("/metrics", metricsHandler);

app.notFound(async (c) => {
  // The admin dashboard, when the Worker serves it (wrangler `assets`, see README): only for what
  // no route answers, and only page loads by a browser and the dashboard's own files, so an API
  // client's wrong path still gets a JSON 404.
  const path = new URL(c.req.url).pathname;
  const wantsPage = (c.req.header("accept") ?? "").includes("text/html") || path.startsWith("/assets/");
  if (c.env.ASSETS && (c.req.method === "GET" || c.req.method === "HEAD") && wantsPage) {
    // A fetched response's headers are immutable; the request-id middleware sets one.
    const asset = await c.env.ASSETS.fetch(c.req.raw);
    const page = new Response(asset.body, asset);
    for (const [name, value] of Object.entries(DASHBOARD_HEADERS)) page.headers.set(name, value);
    return page;
  }
  return errorResponse(
    c.get("protocol") ?? "admin",
    new RelayError("not_found", `No route for ${c.req.method} ${path}`),
    c.get("requestId"),
  );
});

app.onError((thrown, c) => {
  const requestId = c.get("requestId");
  return errorResponse(c.get("protocol") ?? "admin", asRelayError(thrown, requestId), requestId);
});

/** Crons: refresh the price table (a failure keeps the last good one); housekeeping; account tests. */
async function scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
  if (controller.cron === HOUSEKEEPING_CRON) {
    ctx.waitUntil(
      warnExpiringKeys(env).catch((error) => log("warn", "key-expiry pass failed", { error: String(error) })),
    );
    ctx.waitUntil(
      purgeDeletedKeys(env).catch((error) =>
        log("warn", "deleted-key purge failed", { error: String(error) }),
      ),
    );
    return;
  }
  if (controller.cron === ACCOUNT_TEST_CRON) {
    ctx.waitUntil(
      runDueAccountTests(env, controller.scheduledTime).catch((error) =>
        log("warn", "account test pass failed", { error: String(error) }),
      ),
    );
    return;
  }
  const s = services(env);
  ctx.waitUntil(refreshPrices(s, s.config.PRICING_URL));
}

export default { fetch: app.fetch, scheduled } satisfies ExportedHandler<Env>;
