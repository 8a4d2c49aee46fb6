import { createRoute } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { type AdminApp, jsonContent } from "./app.ts";
import { statusSchema } from "./schemas.ts";

const status = createRoute({
  method: "get",
  path: "/status",
  tags: ["status"],
  summary: "Relay version, keyspace health and record counts",
  security: [{ adminJwt: [] }],
  responses: { 200: jsonContent(statusSchema, "Status") },
});

export function registerStatus(app: AdminApp, version: string) {
  app.openapi(status, async (c) => {
    const { keyspace } = services(c.env);
    const started = Date.now();
    let ok = true;
    try {
      await keyspace.ping();
    } catch {
      ok = false;
    }
    const latencyMs = Date.now() - started;
    const [keys, accounts] = ok
      ? await Promise.all([keyspace.listRelayKeys(), keyspace.listAccounts()])
      : [[], []];
    return c.json(
      {
        version,
        time: new Date().toISOString(),
        keyspace: { ok, latencyMs },
        keys: { total: keys.length, active: keys.filter((k) => k.isActive).length },
        accounts: { total: accounts.length, active: accounts.filter((a) => a.isActive).length },
      },
      200,
    );
  });
}
