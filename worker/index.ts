// edge-relay: the Worker. Routes per client protocol, the admin API, health.
import { Hono } from "hono";
import { adminApp } from "./admin/index.ts";
import type { Env } from "./env.ts";
import type { RelayVariables } from "./http/context.ts";
import { asRelayError, errorResponse, RelayError } from "./http/errors.ts";
import { claudeRoutes } from "./routes/claude.ts";
import { metricsHandler } from "./routes/metrics.ts";
import { statsRoutes } from "./routes/stats.ts";
import { VERSION } from "./version.ts";

export { AccountPool } from "../durable-objects/account-pool/index.ts";
export { KeyGate } from "../durable-objects/key-gate/index.ts";

const app = new Hono<{ Bindings: Env; Variables: RelayVariables }>();

app.use("*", async (c, next) => {
  const requestId = `req_${crypto.randomUUID().replaceAll("-", "")}`;
  c.set("requestId", requestId);
  c.set("protocol", "admin");
  await next();
  c.res.headers.set("x-request-id", requestId);
});

app.get("/health", (c) => c.json({ status: "healthy", service: "edge-relay", version: VERSION }));

app.route("/api", claudeRoutes);
app.route("/claude", claudeRoutes);
app.route("/admin", adminApp);
app.route("/apiStats", statsRoutes);
app.get("/metrics", metricsHandler);

app.notFound((c) =>
  errorResponse(
    c.get("protocol") ?? "admin",
    new RelayError("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`),
    c.get("requestId"),
  ),
);

app.onError((thrown, c) => {
  const requestId = c.get("requestId");
  return errorResponse(c.get("protocol") ?? "admin", asRelayError(thrown, requestId), requestId);
});

export default app;
