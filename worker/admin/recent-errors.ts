// The dashboard's recent-errors panel: the latest failed requests, as the usage flush stored them
// (worker/keyspace/usage-batch.ts), with key and account names joined in at read time.
import { createRoute, z } from "@hono/zod-openapi";
import { services } from "../env.ts";
import { recentErrorSchema } from "../keyspace/records/usage.ts";
import { type AdminApp, jsonContent } from "./app.ts";

const recentErrorView = recentErrorSchema
  .omit({ v: true })
  .extend({ keyName: z.string().nullable(), accountName: z.string().nullable() })
  .openapi("RecentError");

const route = createRoute({
  method: "get",
  path: "/errors/recent",
  tags: ["usage"],
  security: [{ adminJwt: [] }],
  summary: "The latest failed requests (status ≥ 400), newest first",
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50) }) },
  responses: { 200: jsonContent(z.object({ errors: z.array(recentErrorView) }), "Recent errors") },
});

export function registerRecentErrors(app: AdminApp) {
  app.openapi(route, async (c) => {
    const { keyspace } = services(c.env);
    const { limit } = c.req.valid("query");
    const [errors, keys, accounts] = await Promise.all([
      keyspace.recentErrors(limit),
      keyspace.listRelayKeys(),
      keyspace.listAccounts(),
    ]);
    const keyName = new Map(keys.map((k) => [k.id, k.name]));
    const accountName = new Map(accounts.map((a) => [a.id, a.name]));
    return c.json(
      {
        errors: errors.map(({ v: _v, ...e }) => ({
          ...e,
          keyName: keyName.get(e.keyId) ?? null,
          accountName: e.accountId ? (accountName.get(e.accountId) ?? null) : null,
        })),
      },
      200,
    );
  });
}
